package io.bucketdb.pipeline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The single-writer role of one pipeline: whoever holds it is the table's only mutator and the
 * journal's only appender. A caller that finds it free takes it with one CAS and drains the ring
 * for everyone (the write-group leader of RocksDB's {@code WriteThread}); the background thread
 * takes it the same way.
 *
 * <p>Memory ordering: {@link #tryTake} is a volatile CAS and {@link #release} a release store, so
 * everything a holder did (table, journal, the consumed sequence) happens-before whatever the next
 * holder does (its CAS reads the released value). {@link #release} ends with a full fence because the releaser must then re-read the
 * ring (a load of another variable): with the publisher's full fence between its publish and its
 * read of the role, either the publisher sees the role free (and drains or wakes the background
 * thread) or the releaser sees the publish (and drains it). Without the fences both could miss the
 * other and strand the operation (the lost wake-up of every combining queue).
 */
final class WriterRole {
    private static final VarHandle HOLDER;

    static {
        try {
            HOLDER = MethodHandles.lookup().findVarHandle(WriterRole.class, "holder", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through HOLDER
    private Thread holder;
    /** Tests only: runs on the holder right before it gives the role up, to publish in that window. */
    private volatile Runnable beforeRelease;

    /** Takes the role if it is free; true if the calling thread now holds it. */
    boolean tryTake() {
        return HOLDER.getVolatile(this) == null && HOLDER.compareAndSet(this, null, Thread.currentThread());
    }

    /** Gives the role up (the caller holds it) and fences, so the caller's next look at the ring sees every publish. */
    void release() {
        Runnable hook = beforeRelease;
        if (hook != null) {
            hook.run();
        }
        // A release store, not a volatile one: the full fence right after gives the store-load order the
        // look at the ring needs, and a volatile store would add a second fence on x86 for nothing.
        HOLDER.setRelease(this, null);
        VarHandle.fullFence();
    }

    boolean isFree() {
        return HOLDER.getVolatile(this) == null;
    }

    boolean heldByCurrentThread() {
        return HOLDER.getVolatile(this) == Thread.currentThread();
    }

    /** Tests only: {@code hook} runs on every holder right before it releases the role (null: none). */
    void beforeRelease(Runnable hook) {
        beforeRelease = hook;
    }
}
