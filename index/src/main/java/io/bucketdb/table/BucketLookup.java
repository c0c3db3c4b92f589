package io.bucketdb.table;

import io.bucketdb.hash.KeyHash;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.VarSlotLayout;
import io.bucketdb.storage.VerifiedPages;

import java.lang.foreign.MemorySegment;

import static io.bucketdb.storage.BucketLayout.*;

/**
 * Finds a key in a table's buckets: its hash, the chain that holds it in an {@link ArraySnapshot} (the old bucket's
 * while it is not yet evacuated, else the new one's; during an in-place split, {@link ArraySnapshot#homeOf}), and the slot whose tophash and key match. Nothing is
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
    private final int keysOff;
    private final int ovfOff;
    private final boolean varKeys;
    private final int keyInline;

    /**
     * A lookup over the table in {@code tf}, with the key hash its header names.
     *
     * @param tf the table file
     */
    public BucketLookup(TableFile tf) {
        this(tf, KeyHash.of(tf.header()));
    }

    private BucketLookup(TableFile tf, KeyHash keyHash) {
        this(tf, keyHash, new VarFields(tf, keyHash, VarSlotLayout.inlineWidth(tf.header().keyWidth),
                VarSlotLayout.inlineWidth(tf.header().valueWidth)));
    }

    BucketLookup(TableFile tf, KeyHash keyHash, VarFields fields) {
        BucketLayout layout = BucketLayout.of(tf.header());
        this.mapping = tf.mapping();
        this.pages = tf.pages();
        this.keyHash = keyHash;
        this.fields = fields;
        this.keyWidth = layout.keyWidth();
        this.bs = layout.size();
        this.keysOff = layout.keysOffset();
        this.ovfOff = layout.overflowOffset();
        this.varKeys = tf.header().varKeys();
        this.keyInline = VarSlotLayout.inlineWidth(keyWidth);
    }

    /**
     * Finds a key in {@code g} without validation.
     *
     * @param g         the snapshot to search
     * @param hash      the key's hash ({@link #hashKey(MemorySegment, long, int)})
     * @param top       the key's tophash ({@link BucketLayout#tophash})
     * @param key       the key's bytes
     * @param keyOff    the offset of the key in {@code key}
     * @param keyLen    the key's length (the key width for fixed-width keys)
     * @param splitMark during an in-place split, the old buckets below it are split ({@link ArraySnapshot#homeOf});
     *                  read after the stamp, as every byte the search trusts
     * @return {@code (bucketOffset << 3) | slot} if found, 0 if absent, or minus the bad reference met
     */
    public long find(ArraySnapshot g, long hash, int top, MemorySegment key, long keyOff, int keyLen, long splitMark) {
        long j = hash & g.mask;
        long bucket;
        if (!g.growing) {
            bucket = g.bucketOffset(j);
        } else if (g.inPlace) {
            bucket = g.bucketOffset(g.homeOf(hash, splitMark));
        } else {
            bucket = g.bucketOffset(j);
            long i = hash & g.oldMask;
            MemorySegment oseg = g.oldBucketSeg(i);
            long ooff = g.oldBucketLocal(i);
            pages.check(g.oldBucketOffset(i), bs);
            if (!isEvacuated(oseg.get(Layouts.BYTE, ooff) & 0xFF)) {
                bucket = g.oldBucketOffset(i);
            }
        }
        return ChainProbe.find(g.chunks, mapping, pages, bucket, top, key, keyOff, keyLen, keyWidth, varKeys, keyInline, bs, keysOff, ovfOff,
                g.maxHops);
    }

    /** Whether the fixed-width key at {@code seg[off]} equals the one at {@code key[keyOff..]}. */
    boolean keyEquals(MemorySegment seg, long off, MemorySegment key, long keyOff) {
        return ChainProbe.keyEquals(seg, off, key, keyOff, keyWidth);
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
