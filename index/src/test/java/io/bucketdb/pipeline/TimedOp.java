package io.bucketdb.pipeline;

/**
 * A completed operation of a concurrent history: {@code invoke} is taken before the call starts,
 * {@code response} after it returned, both from one clock that every thread of the history reads
 * (a shared counter), so {@code a.response < b.invoke} means that {@code a} returned before
 * {@code b} began. The thread is only a label for reports: the checker orders operations by their
 * intervals alone, so a thread may have several operations in flight (an async call joined later).
 */
record TimedOp(int thread, MapOp op, long invoke, long response) {
    TimedOp {
        if (response < invoke) {
            throw new IllegalArgumentException("response " + response + " before invoke " + invoke + " of " + op);
        }
    }

    @Override
    public String toString() {
        return "t" + thread + " [" + invoke + ", " + response + "] " + op;
    }
}
