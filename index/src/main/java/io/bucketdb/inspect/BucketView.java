package io.bucketdb.inspect;

import java.util.List;

/**
 * A bucket of the current array (or, while the table grows, of the old one) with its chain, as
 * {@code bucketdb dump} shows it.
 *
 * @param old     whether this is a bucket of the old array
 * @param index   the bucket's index in its array
 * @param offset  the file offset of the array bucket (chain position 0)
 * @param state   whether its chain holds entries
 * @param chain   the chain as far as it could be read (empty for a {@link State#PENDING} bucket)
 * @param broken  why the chain walk stopped early (a bad reference or a cycle), else null
 */
public record BucketView(boolean old, long index, long offset, State state, List<ChainBucket> chain, String broken) {

    /** What a bucket's bytes mean during (or outside) a growth. */
    public enum State {
        /** The chain holds entries. */
        LIVE,
        /** An old bucket whose entries were moved to the new array; only its slot states remain. */
        EVACUATED,
        /** A new bucket whose old bucket is not evacuated yet: its bytes mean nothing until then. */
        PENDING
    }
}
