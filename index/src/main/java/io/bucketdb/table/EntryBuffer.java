package io.bucketdb.table;

import io.bucketdb.storage.Layouts;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Fixed-width entries appended off the Java heap, in the order they were given: each record is the key's bytes, then
 * the value's ({@code long}s little-endian, as the table stores them). The entries of a build of a new index
 * ({@code IndexBuild}) wait here until {@link BucketOrderLoad} orders them by bucket; tens of millions of them would
 * otherwise be a heap the collector copies.
 *
 * <p>Records live in chunks that start small (a build of a few entries takes a few KiB) and double up to
 * {@link #MAX_CHUNK_BYTES}, so appending never copies what was appended before. One arena owns every chunk:
 * {@link #close} frees them all at once (a shared arena, so any thread may close it). Not thread-safe: one thread
 * appends, then the reader reads.
 */
public final class EntryBuffer implements AutoCloseable {
    private static final long FIRST_CHUNK_BYTES = 1L << 16;
    private static final long MAX_CHUNK_BYTES = 1L << 26;

    private final int keyWidth;
    private final int valueWidth;
    private final int recordBytes;
    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> chunks = new ArrayList<>();
    /** Records in each full chunk before the current one (chunks hold different counts while they double). */
    private final List<Long> chunkRecords = new ArrayList<>();
    private MemorySegment current;
    private long currentCapacity;
    private long currentUsed;
    private long size;
    private boolean closed;

    /**
     * An empty buffer.
     *
     * @param keyWidth   bytes of every key (at least 1)
     * @param valueWidth bytes of every value (0 or more)
     */
    public EntryBuffer(int keyWidth, int valueWidth) {
        if (keyWidth < 1 || valueWidth < 0) {
            throw new IllegalArgumentException("key width " + keyWidth + ", value width " + valueWidth);
        }
        this.keyWidth = keyWidth;
        this.valueWidth = valueWidth;
        this.recordBytes = keyWidth + valueWidth;
    }

    /** {@return the bytes of one record: key, then value} */
    public int recordBytes() {
        return recordBytes;
    }

    /** {@return the key width} */
    public int keyWidth() {
        return keyWidth;
    }

    /** {@return the value width} */
    public int valueWidth() {
        return valueWidth;
    }

    /** {@return the records appended} */
    public long size() {
        return size;
    }

    /**
     * Appends an 8-byte key and value (the buffer's widths must be 8 and 8).
     *
     * @param key   the key
     * @param value the value
     */
    public void appendLong(long key, long value) {
        long off = claim();
        current.set(Layouts.LONG, off, key);
        current.set(Layouts.LONG, off + Long.BYTES, value);
    }

    /**
     * Appends a key and a value of exactly the buffer's widths (the caller checked them).
     *
     * @param key   the key
     * @param value the value
     */
    public void append(byte[] key, byte[] value) {
        long off = claim();
        MemorySegment.copy(key, 0, current, Layouts.BYTE, off, keyWidth);
        MemorySegment.copy(value, 0, current, Layouts.BYTE, off + keyWidth, valueWidth);
    }

    /** The offset of a new record in {@link #current}, which gets a chunk if it is full. */
    private long claim() {
        if (closed) {
            throw new IllegalStateException("the entry buffer is closed");
        }
        if (currentUsed == currentCapacity) {
            newChunk();
        }
        long off = currentUsed * recordBytes;
        currentUsed++;
        size++;
        return off;
    }

    private void newChunk() {
        long bytes = current == null ? FIRST_CHUNK_BYTES : Math.min(MAX_CHUNK_BYTES, current.byteSize() * 2);
        long records = Math.max(1, bytes / recordBytes);
        // Allocated before the full chunk's count is recorded: an allocation that fails (out of memory) then leaves the
        // buffer as it was, and a put retried after it does not record that count twice (which shifted every later
        // chunk's count and had the load read records never appended).
        MemorySegment next = arena.allocate(records * recordBytes, Long.BYTES);
        if (current != null) {
            chunkRecords.add(currentUsed);
        }
        current = next;
        chunks.add(current);
        currentCapacity = records;
        currentUsed = 0;
    }

    /** {@return the number of chunks} Records of chunk {@code c} are {@link #chunk(int)} at multiples of {@link #recordBytes}. */
    int chunkCount() {
        return chunks.size();
    }

    /** {@return chunk {@code c}} */
    MemorySegment chunk(int c) {
        return chunks.get(c);
    }

    /** {@return the records chunk {@code c} holds} */
    long recordsIn(int c) {
        return c < chunkRecords.size() ? chunkRecords.get(c) : currentUsed;
    }

    /** Allocates {@code bytes} from this buffer's arena (freed with it), 8-byte aligned. */
    MemorySegment allocate(long bytes) {
        return arena.allocate(Math.max(1, bytes), Long.BYTES);
    }

    /** Frees every chunk (and what {@link #allocate} gave); a second call does nothing. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            chunks.clear();
            current = null;
            arena.close();
        }
    }
}
