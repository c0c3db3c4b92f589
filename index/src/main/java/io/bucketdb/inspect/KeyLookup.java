package io.bucketdb.inspect;

import io.bucketdb.hash.KeyHash;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.VarSlotLayout;
import io.bucketdb.table.ChainProbe;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The inspector's key lookups. The chain is searched by the table's own code ({@link ChainProbe}),
 * so a tool finds a key exactly where the table would; what the inspector adds on top is the start
 * bucket read from a checked directory, chunks cut at the allocation end (a reference past it is
 * damage here even where the file goes on), the header's overflow bucket count as the hop bound, and
 * when the search meets damage, a walk of the chain's links with the inspector's checks that names
 * the bad link.
 */
final class KeyLookup {
    private final IndexInspector in;
    private final Path file;
    private final Header h;
    private final KeyHash keyHash;
    private final BucketLayout layout;
    private final FileView view;
    private final SlotReader slots;
    private final ChunkedMapping mapping;
    /** The mapped chunks cut at the view's end: the probe never follows a reference past the allocation end. */
    private final MemorySegment[] readable;
    private final int bs;

    KeyLookup(IndexInspector in, Path file, Header h, KeyHash keyHash, BucketLayout layout, FileView view, SlotReader slots) {
        this.in = in;
        this.file = file;
        this.h = h;
        this.keyHash = keyHash;
        this.layout = layout;
        this.view = view;
        this.slots = slots;
        this.mapping = view.mapping();
        this.bs = layout.size();
        MemorySegment[] chunks = mapping.chunks();
        long end = view.end();
        int n = 0;
        while (n < chunks.length && mapping.chunkStart(n) < end) {
            n++;
        }
        this.readable = new MemorySegment[n];
        for (int c = 0; c < n; c++) {
            long start = mapping.chunkStart(c);
            readable[c] = chunks[c].asSlice(0, Math.min(chunks[c].byteSize(), end - start));
        }
    }

    /** The table's hash of {@code key}: the file's hash kind and seed. */
    long hash(byte[] key) {
        checkKey(key);
        return key.length == 8 && !h.varKeys()
                ? keyHash.hashLong(ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getLong())
                : keyHash.hash(key, 0, key.length);
    }

    /** See {@link IndexInspector#locate}. */
    Location locate(byte[] key) throws CorruptIndexException {
        long hash = hash(key);
        int top = BucketLayout.tophash(hash);
        long j = hash & ((1L << h.b) - 1);
        long bucketOff = in.bucketOffset(in.pieces(), j);
        long oldIndex = -1;
        long oldOff = 0;
        boolean evacuated = false;
        long start = bucketOff;
        if (h.growing()) {
            oldIndex = hash & in.oldMask();
            oldOff = in.bucketOffset(in.oldPieces(), oldIndex);
            evacuated = in.oldEvacuated(oldIndex);
            if (!evacuated) {
                start = oldOff;
            }
        }
        long found = checked(start, ChainProbe.find(readable, mapping, view.pages(), start, top, MemorySegment.ofArray(key), 0,
                key.length, layout.keyWidth(), h.varKeys(), VarSlotLayout.inlineWidth(h.keyWidth), bs, layout.keysOffset(), layout.overflowOffset(),
                h.overflowBuckets));
        boolean inOld = h.growing() && !evacuated;
        if (found == 0) {
            return new Location(hash, top, j, bucketOff, h.growing(), oldIndex, oldOff, evacuated, false, inOld, start, 0, -1, -1, null);
        }
        long bucket = found >>> 3;
        int slot = (int) (found & 7);
        return new Location(hash, top, j, bucketOff, h.growing(), oldIndex, oldOff, evacuated, true, inOld, start, bucket,
                chainPosition(start, bucket), slot, slots.valueBytes(bucket + layout.valueOffset(slot)));
    }

    /** See {@link IndexInspector#getLong}. */
    long getLong(long key, long missing) throws CorruptIndexException {
        if (h.keyWidth != 8 || h.valueWidth != 8) {
            throw new IllegalArgumentException("getLong needs 8-byte keys and values; " + file + " has "
                    + h.keyWidth + "-byte keys and " + h.valueWidth + "-byte values");
        }
        long hash = keyHash.hashLong(key);
        long b = in.bucketOffset(in.pieces(), hash & ((1L << h.b) - 1));
        if (h.growing()) {
            long old = in.bucketOffset(in.oldPieces(), hash & in.oldMask());
            if (!in.oldEvacuated(hash & in.oldMask())) {
                b = old;
            }
        }
        // The directory's checks put every array bucket inside one readable chunk.
        int c = mapping.chunkIndex(b);
        long found = checked(b, ChainProbe.findLong(readable, mapping, view.pages(), readable[c], b - mapping.chunkStart(c), b,
                ChainProbe.pattern(BucketLayout.tophash(hash)), key, bs, layout.keysOffset(), layout.overflowOffset(), h.overflowBuckets));
        return found == 0 ? missing : view.getLong((found >>> 3) + layout.valueOffset((int) (found & 7)));
    }

    /**
     * {@code found} if the probe of the chain at {@code start} met no damage; else the damage, named by
     * the inspector's own walk of the chain's links where a link is bad or the chain too long.
     */
    private long checked(long start, long found) throws CorruptIndexException {
        if (found >= 0) {
            return found;
        }
        for (long b = start, hops = 0; b != 0; ) {
            b = in.next(b, ++hops);
        }
        throw new CorruptIndexException(file, -found, "a chain whose buckets and heap blocks lie within the first " + view.end()
                + " bytes, each inside one mapped chunk");
    }

    /** How many links lead from {@code start} to {@code bucket} in its chain. */
    private int chainPosition(long start, long bucket) throws CorruptIndexException {
        int pos = 0;
        for (long b = start; b != bucket && b != 0; ) {
            b = in.next(b, ++pos);
        }
        return pos;
    }

    private void checkKey(byte[] key) {
        if (!h.varKeys() && key.length != h.keyWidth) {
            throw new IllegalArgumentException("key must be " + h.keyWidth + " bytes for " + file + ", got " + key.length);
        }
    }
}
