package io.bucketdb.table;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Version stamps (a seqlock) in stripes: the one seqlock of the index. The table keeps {@code HashTable.STRIPES}
 * stripes, one per group of new-array buckets; the write pipeline's batch gate keeps one stripe for the whole table.
 *
 * <p>Protocol (the orderings are the point of this class):
 * <ul>
 *   <li>Writer (one thread at a time: the holder of the writer role): {@link #beginWrite} makes the stripe's stamp
 *       odd with an opaque store, then a store-store fence, so no byte the writer changes next can become visible
 *       before the odd stamp; it changes the bytes; {@link #endWrite} makes the stamp even again with a release
 *       store, so every byte changed becomes visible no later than the even stamp. The writer reads its own last
 *       stamp with a plain load: only the writer stores stamps, and a hand-off of the writer role orders the
 *       previous holder's stores before the next holder's loads.</li>
 *   <li>Reader (any thread): {@link #stamp} loads the stamp with acquire (odd: a write is in progress, retry);
 *       reads the protected bytes with plain loads, trusting nothing yet; {@link #validate} issues an acquire
 *       fence, so those loads complete before the stamp is loaded again (opaque), and accepts only if the stamp is
 *       unchanged. Whatever else the reader must find unchanged (the table's published snapshot of its bucket
 *       arrays) it loads after {@code validate}, which the fence also orders.</li>
 * </ul>
 * Nothing allocates; every method is a final, direct call on the hot paths.
 */
public final class StripedSeqLock {
    private static final VarHandle STAMP = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] stamps;
    private final int mask;

    /**
     * Builds the stripes, every stamp even (0).
     *
     * @param stripes the number of stripes, a power of two
     */
    public StripedSeqLock(int stripes) {
        if (stripes <= 0 || Integer.bitCount(stripes) != 1) {
            throw new IllegalArgumentException("stripes must be a power of two, got " + stripes);
        }
        this.stamps = new long[stripes];
        this.mask = stripes - 1;
    }

    /**
     * {@return the stripe guarding {@code key}: its low bits}
     *
     * @param key what the stripes are chosen by (for the table, a new-array bucket index)
     */
    public int stripeOf(long key) {
        return (int) (key & mask);
    }

    /**
     * Reader: the stamp of {@code stripe}, an acquire load; odd while a write is in progress.
     *
     * @param stripe the stripe
     * @return the stamp
     */
    public long stamp(int stripe) {
        return (long) STAMP.getAcquire(stamps, stripe);
    }

    /**
     * Reader: an acquire fence, then whether the stamp of {@code stripe} is still {@code stamp} (an opaque load).
     *
     * @param stripe the stripe
     * @param stamp  the even stamp {@link #stamp} returned before the reads
     * @return true if no write to {@code stripe} began since {@code stamp} was taken
     */
    public boolean validate(int stripe, long stamp) {
        VarHandle.acquireFence();
        return (long) STAMP.getOpaque(stamps, stripe) == stamp;
    }

    /**
     * Writer: opens a write window on {@code stripe} (stamp odd: opaque store, then a store-store fence).
     *
     * @param stripe the stripe
     */
    public void beginWrite(int stripe) {
        STAMP.setOpaque(stamps, stripe, stamps[stripe] + 1);
        VarHandle.storeStoreFence();
    }

    /**
     * Writer: closes the write window on {@code stripe} (stamp even: release store).
     *
     * @param stripe the stripe
     */
    public void endWrite(int stripe) {
        STAMP.setRelease(stamps, stripe, stamps[stripe] + 1);
    }
}
