package io.bucketdb.table;

import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.VarSlotLayout;
import io.bucketdb.storage.VerifiedPages;

import java.lang.foreign.MemorySegment;

import static io.bucketdb.storage.BucketLayout.EMPTY_REST;
import static io.bucketdb.storage.BucketLayout.SLOTS;

/**
 * The table's search of one bucket chain for a key: tophash compare, key compare, overflow walk.
 * {@link HashTable}'s lookups and the inspector ({@code io.bucketdb.inspect.IndexInspector}) both
 * search through here, so a tool finds a key exactly where the table does.
 *
 * <p>The memory is passed in: the mapped chunks (a reader's snapshot of them), the mapping that
 * places file offsets in them, and the pages to check before bytes are trusted. Every bucket and heap
 * block is bounded by those chunks before it is read, and the walk by {@code maxHops}, so a torn read
 * (the table validates afterwards) or damage gives a bad reference, never an out-of-bounds read or a
 * hang. A caller that wants a tighter bound (the inspector stops at the allocation end) passes chunks
 * cut to it.
 *
 * <p>Static and allocation-free; no virtual call on the search path.
 *
 * <p>Results: {@code (bucketOffset << 3) | slot} of the key, 0 if it is absent, or minus the
 * reference that left the chunks, exceeded the hop bound or, for variable-length keys, whose heap
 * block did (at least 1, so it is negative).
 */
public final class ChainProbe {
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private ChainProbe() {
    }

    /**
     * {@return the word that {@link #findLong} compares all 8 tophash bytes of a bucket with at once}
     *
     * @param top the key's tophash
     */
    public static long pattern(int top) {
        return (top & 0xFFL) * ONES;
    }

    /**
     * Searches the chain of 8-byte keys starting at the bucket at file offset {@code at}, whose bytes
     * are {@code seg[off..]} (already resolved by the caller, as {@link ArraySnapshot} does).
     *
     * @param chunks         the mapped chunks to read through
     * @param mapping        places file offsets in {@code chunks}
     * @param pages          pages checked before their bytes are read
     * @param seg            the segment holding the first bucket
     * @param off            the first bucket's offset in {@code seg}
     * @param at             the first bucket's file offset
     * @param pattern        {@link #pattern} of the key's tophash
     * @param key            the key
     * @param bucketSize     bytes of one bucket
     * @param keysOffset     offset of the first key in a bucket ({@code BucketLayout.keysOffset})
     * @param overflowOffset offset of the overflow reference in a bucket
     * @param maxHops        links followed at most before the chain counts as a cycle
     * @return the position of the key, 0 if absent, or minus a bad reference (see the class comment)
     */
    public static long findLong(MemorySegment[] chunks, ChunkedMapping mapping, VerifiedPages pages, MemorySegment seg, long off,
                                long at, long pattern, long key, int bucketSize, int keysOffset, int overflowOffset, long maxHops) {
        // The first bucket is searched here and the overflow chain out of line, so that this part stays small
        // enough for the JIT to inline into the table's getLong (the whole walk in one method was not).
        pages.check(at, bucketSize);
        long tw = seg.get(Layouts.LONG, off);
        int slot = matchLong(seg, off, tw, pattern, key, keysOffset);
        if (slot >= 0) {
            return (at << 3) | slot;
        }
        // Overflow word first, as the table's getLong does (issue 19): in format version 4 it is in the tophash
        // word's cache line, and most buckets have none.
        long next = seg.get(Layouts.LONG, off + overflowOffset);
        return next == 0 || hasEmptyRest(tw) ? 0 : findLongInOverflow(chunks, mapping, pages, next, pattern, key, bucketSize, keysOffset, overflowOffset, maxHops);
    }

    /**
     * The slot of the bucket at {@code seg[off]}, whose tophash word is {@code tw}, that holds {@code key}, or -1;
     * {@code keysOffset} is where the bucket's keys start.
     */
    static int matchLong(MemorySegment seg, long off, long tw, long pattern, long key, int keysOffset) {
        long x = tw ^ pattern;
        long m = (x - ONES) & ~x & HIGHS;
        while (m != 0) {
            int slot = Long.numberOfTrailingZeros(m) >>> 3;
            if (((x >>> (slot << 3)) & 0xFF) == 0 && seg.get(Layouts.LONG, off + keysOffset + 8L * slot) == key) {
                return slot;
            }
            m &= m - 1;
        }
        return -1;
    }

    /** Whether the bucket whose tophash word is {@code tw} has an emptyRest slot: nothing follows in its chain. */
    static boolean hasEmptyRest(long tw) {
        return ((tw - ONES) & ~tw & HIGHS) != 0;
    }

    /** {@link #findLong} from the first overflow bucket, at file offset {@code next}, on. */
    private static long findLongInOverflow(MemorySegment[] chunks, ChunkedMapping mapping, VerifiedPages pages, long next, long pattern,
                                           long key, int bucketSize, int keysOffset, int overflowOffset, long maxHops) {
        long hops = 0;
        while (true) {
            // A damaged reference far beyond the file makes chunkIndex overflow to a negative index.
            int c = next < HeaderLayout.DATA_START ? -1 : mapping.chunkIndex(next);
            if (c < 0 || c >= chunks.length || ++hops > maxHops) {
                return -Math.max(next, 1);
            }
            MemorySegment seg = chunks[c];
            long off = next - mapping.chunkStart(c);
            if (off + bucketSize > seg.byteSize()) {
                return -next;
            }
            pages.check(next, bucketSize);
            long tw = seg.get(Layouts.LONG, off);
            int slot = matchLong(seg, off, tw, pattern, key, keysOffset);
            if (slot >= 0) {
                return (next << 3) | slot;
            }
            next = seg.get(Layouts.LONG, off + overflowOffset);
            if (next == 0 || hasEmptyRest(tw)) {
                return 0;
            }
        }
    }

    /**
     * Searches the chain starting at the bucket at file offset {@code bucket} for the
     * {@code keyLen}-byte key at {@code key[keyOff..]}: fixed-width keys compare {@code keyWidth}
     * bytes, variable-length keys their length and then their inline or heap bytes.
     *
     * @param chunks         the mapped chunks to read through
     * @param mapping        places file offsets in {@code chunks}
     * @param pages          pages checked before their bytes are read
     * @param bucket         the first bucket's file offset
     * @param top            the key's tophash
     * @param key            holds the key
     * @param keyOff         where the key starts in {@code key}
     * @param keyLen         the key's length (its width for fixed-width keys)
     * @param keyWidth       the key slot width
     * @param varKeys        whether keys are variable-length ({@link VarSlotLayout})
     * @param keyInline      bytes a variable-length key slot keeps inline
     * @param bucketSize     bytes of one bucket
     * @param keysOffset     offset of the first key in a bucket ({@code BucketLayout.keysOffset})
     * @param overflowOffset offset of the overflow reference in a bucket
     * @param maxHops        links followed at most before the chain counts as a cycle
     * @return the position of the key, 0 if absent, or minus a bad reference (see the class comment)
     */
    public static long find(MemorySegment[] chunks, ChunkedMapping mapping, VerifiedPages pages, long bucket, int top,
                            MemorySegment key, long keyOff, int keyLen, int keyWidth, boolean varKeys, int keyInline,
                            int bucketSize, int keysOffset, int overflowOffset, long maxHops) {
        long hops = 0;
        while (true) {
            // A damaged reference far beyond the file makes chunkIndex overflow to a negative index.
            int c = mapping.chunkIndex(bucket);
            if (c < 0 || c >= chunks.length) {
                return -bucket;
            }
            MemorySegment seg = chunks[c];
            long off = bucket - mapping.chunkStart(c);
            if (off + bucketSize > seg.byteSize()) {
                return -bucket;
            }
            pages.check(bucket, bucketSize);
            for (int i = 0; i < SLOTS; i++) {
                int t = seg.get(Layouts.BYTE, off + i) & 0xFF;
                if (t != top) {
                    if (t == EMPTY_REST) {
                        return 0;
                    }
                    continue;
                }
                long koff = off + keysOffset + (long) i * keyWidth;
                if (!varKeys) {
                    if (keyEquals(seg, koff, key, keyOff, keyWidth)) {
                        return (bucket << 3) | i;
                    }
                } else {
                    int cmp = varKeyCompare(chunks, mapping, pages, seg, koff, key, keyOff, keyLen, keyInline);
                    if (cmp > 0) {
                        return (bucket << 3) | i;
                    }
                    if (cmp < 0) {
                        return -bucket;
                    }
                }
            }
            long next = seg.get(Layouts.LONG, off + overflowOffset);
            if (next == 0) {
                return 0;
            }
            if (next < HeaderLayout.DATA_START || ++hops > maxHops) {
                return -Math.max(next, 1);
            }
            bucket = next;
        }
    }

    /**
     * {@return whether the {@code keyWidth}-byte key at {@code seg[off]} equals the one at {@code key[keyOff]}}
     *
     * @param seg      holds the stored key
     * @param off      where the stored key starts
     * @param key      holds the key looked for
     * @param keyOff   where it starts
     * @param keyWidth the key width
     */
    public static boolean keyEquals(MemorySegment seg, long off, MemorySegment key, long keyOff, int keyWidth) {
        if (keyWidth == 8) {
            return seg.get(Layouts.LONG, off) == key.get(Layouts.LONG, keyOff);
        }
        return MemorySegment.mismatch(seg, off, off + keyWidth, key, keyOff, keyOff + keyWidth) == -1;
    }

    /**
     * Compares the variable-length key in the slot at {@code seg[off]} with {@code key[keyOff..+keyLen]}.
     *
     * @param chunks    the mapped chunks its heap block is read through
     * @param mapping   places file offsets in {@code chunks}
     * @param pages     pages checked before their bytes are read
     * @param seg       holds the slot
     * @param off       where the slot starts
     * @param key       holds the key looked for
     * @param keyOff    where it starts
     * @param keyLen    its length
     * @param keyInline bytes the slot keeps inline
     * @return 1 if equal, 0 if not, -1 if the slot's heap reference leaves {@code chunks}
     */
    public static int varKeyCompare(MemorySegment[] chunks, ChunkedMapping mapping, VerifiedPages pages, MemorySegment seg, long off,
                                    MemorySegment key, long keyOff, int keyLen, int keyInline) {
        long len = seg.get(Layouts.INT, off + VarSlotLayout.LENGTH_OFFSET) & 0xFFFFFFFFL;
        if (len != keyLen) {
            return 0;
        }
        if (len <= keyInline) {
            return MemorySegment.mismatch(seg, off + VarSlotLayout.BODY_OFFSET, off + VarSlotLayout.BODY_OFFSET + len, key, keyOff, keyOff + len) == -1 ? 1 : 0;
        }
        MemorySegment stored = heapSlice(chunks, mapping, pages, seg.get(Layouts.LONG, off + VarSlotLayout.HEAP_REF_OFFSET), len);
        if (stored == null) {
            return -1;
        }
        return MemorySegment.mismatch(stored, 0, len, key, keyOff, keyOff + len) == -1 ? 1 : 0;
    }

    /**
     * {@return the {@code len} heap bytes at file offset {@code ref} as one slice of {@code chunks}, or
     * null if they are not inside one mapped chunk (damage, a torn read, or a large block that straddles)}
     *
     * @param chunks  the mapped chunks
     * @param mapping places file offsets in {@code chunks}
     * @param pages   pages checked before the bytes are handed out
     * @param ref     the block's file offset
     * @param len     its length
     */
    public static MemorySegment heapSlice(MemorySegment[] chunks, ChunkedMapping mapping, VerifiedPages pages, long ref, long len) {
        if (ref < HeaderLayout.DATA_START) {
            return null;
        }
        int c = mapping.chunkIndex(ref);
        if (c < 0 || c >= chunks.length) {
            return null;
        }
        long local = ref - mapping.chunkStart(c);
        MemorySegment seg = chunks[c];
        if (len > seg.byteSize() - local) {
            return null;
        }
        if (len > 0) {
            pages.check(ref, len);
        }
        return seg.asSlice(local, len);
    }
}
