package io.bucketdb.inspect;

/**
 * Where the bytes of a variable-length key or value live: inline in the slot, or in a value-heap
 * block the slot refers to.
 *
 * @param length     the key's or value's length in bytes
 * @param heapRef    the file offset of its heap block, or 0 when inline
 * @param blockBytes the heap block's size (its size class), or 0 when inline
 */
public record Placement(long length, long heapRef, long blockBytes) {
    public boolean inline() {
        return heapRef == 0;
    }

    @Override
    public String toString() {
        return inline() ? length + " bytes inline" : length + " bytes in the heap @ " + heapRef + " (" + blockBytes + "-byte block)";
    }
}
