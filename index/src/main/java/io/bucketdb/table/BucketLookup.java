package io.bucketdb.table;

import io.bucketdb.hash.KeyHash;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.VarSlotLayout;
import io.bucketdb.storage.VerifiedPages;

import java.lang.foreign.MemorySegment;

import static io.bucketdb.storage.BucketLayout.*;

/**
 * Finds a key in a table's buckets: its hash, the chain that holds it in an {@link ArraySnapshot} (the old bucket's
 * while it is not yet evacuated, else the new one's), and the slot whose tophash and key match. Nothing is
 * validated here: a reader calls {@link #find} inside a stamp window and trusts the result only once the stamp
 * validates; the inspector calls it on a file no writer changes. Every reference followed is bounded by the
 * snapshot's chunks and chain length, so a torn or damaged chain ends the search instead of leaving the mapping.
 */
public final class BucketLookup {
    private final ChunkedMapping mapping;
    private final VerifiedPages pages;
    private final KeyHash keyHash;
    private final VarFields fields;
    private final int keyWidth;
    private final int bs;
    private final int ovfOff;
    private final boolean varKeys;

    /**
     * A lookup over the table in {@code tf}, with the key hash its header names.
     *
     * @param tf the table file
     */
    public BucketLookup(TableFile tf) {
        this(tf, KeyHash.of(tf.header()));
    }

    private BucketLookup(TableFile tf, KeyHash keyHash) {
        this(tf, keyHash, new VarFields(tf, keyHash, VarSlotLayout.inlineWidth(tf.header().keyWidth)));
    }

    BucketLookup(TableFile tf, KeyHash keyHash, VarFields fields) {
        BucketLayout layout = BucketLayout.of(tf.header().keyWidth, tf.header().valueWidth);
        this.mapping = tf.mapping();
        this.pages = tf.pages();
        this.keyHash = keyHash;
        this.fields = fields;
        this.keyWidth = layout.keyWidth();
        this.bs = layout.size();
        this.ovfOff = layout.overflowOffset();
        this.varKeys = tf.header().varKeys();
    }

    /**
     * Finds a key in {@code g} without validation.
     *
     * @param g      the snapshot to search
     * @param hash   the key's hash ({@link #hashKey(MemorySegment, long, int)})
     * @param top    the key's tophash ({@link BucketLayout#tophash})
     * @param key    the key's bytes
     * @param keyOff the offset of the key in {@code key}
     * @param keyLen the key's length (the key width for fixed-width keys)
     * @return {@code (bucketOffset << 3) | slot} if found, 0 if absent, or minus the bad reference met
     */
    public long find(ArraySnapshot g, long hash, int top, MemorySegment key, long keyOff, int keyLen) {
        long j = hash & g.mask;
        long bucket = g.bucketOffset(j);
        if (g.growing) {
            long i = hash & g.oldMask;
            MemorySegment oseg = g.oldBucketSeg(i);
            long ooff = g.oldBucketLocal(i);
            pages.check(g.oldBucketOffset(i), bs);
            if (!isEvacuated(oseg.get(Layouts.BYTE, ooff) & 0xFF)) {
                bucket = g.oldBucketOffset(i);
            }
        }
        long hops = 0;
        while (true) {
            // A damaged reference far beyond the file makes chunkIndex overflow to a negative index.
            int c = mapping.chunkIndex(bucket);
            if (c < 0 || c >= g.chunks.length) {
                return -bucket;
            }
            MemorySegment seg = g.chunks[c];
            long off = bucket - mapping.chunkStart(c);
            if (off + bs > seg.byteSize()) {
                return -bucket;
            }
            pages.check(bucket, bs);
            for (int i = 0; i < SLOTS; i++) {
                int t = seg.get(Layouts.BYTE, off + i) & 0xFF;
                if (t != top) {
                    if (t == EMPTY_REST) {
                        return 0;
                    }
                    continue;
                }
                long koff = off + KEYS_OFFSET + (long) i * keyWidth;
                if (!varKeys) {
                    if (keyEquals(seg, koff, key, keyOff)) {
                        return (bucket << 3) | i;
                    }
                } else {
                    int cmp = fields.keyCompare(g.chunks, seg, koff, key, keyOff, keyLen);
                    if (cmp > 0) {
                        return (bucket << 3) | i;
                    }
                    if (cmp < 0) {
                        return -bucket;
                    }
                }
            }
            long next = seg.get(Layouts.LONG, off + ovfOff);
            if (next == 0) {
                return 0;
            }
            if (next < HeaderLayout.DATA_START || ++hops > g.maxHops) {
                return -Math.max(next, 1);
            }
            bucket = next;
        }
    }

    /** Whether the fixed-width key at {@code seg[off]} equals the one at {@code key[keyOff..]}. */
    boolean keyEquals(MemorySegment seg, long off, MemorySegment key, long keyOff) {
        if (keyWidth == 8) {
            return seg.get(Layouts.LONG, off) == key.get(Layouts.LONG, keyOff);
        }
        return MemorySegment.mismatch(seg, off, off + keyWidth, key, keyOff, keyOff + keyWidth) == -1;
    }

    /** The hash of the fixed-width key at {@code key[keyOff..]}. */
    long hashKey(MemorySegment key, long keyOff) {
        return keyWidth == 8 ? keyHash.hashLong(key.get(Layouts.LONG, keyOff)) : keyHash.hash(key, keyOff, keyWidth);
    }

    /**
     * {@return the table's hash of the {@code keyLen}-byte key at {@code key[keyOff..]}: variable-length keys hash
     * their bytes whatever the slot width}
     *
     * @param key    the key's bytes
     * @param keyOff the offset of the key in {@code key}
     * @param keyLen the key's length (the key width for fixed-width keys)
     */
    public long hashKey(MemorySegment key, long keyOff, int keyLen) {
        return varKeys ? keyHash.hash(key, keyOff, keyLen) : hashKey(key, keyOff);
    }
}
