package io.bucketdb.recovery;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.NativeFileOps;
import io.bucketdb.storage.Uninterruptibly;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;

/**
 * Makes the file of the journal's next segment ahead of the roll that needs it (issue 16), on a thread of its own
 * ({@value #THREAD_NAME}), so the roll neither creates nor allocates a file on the writer's path and the new segment
 * is mapped once, whole, instead of remapped at every doubling of its allocation (each remap took the forces' lock,
 * and waited behind a force beside the role: up to 233 ms measured in a 10M-put load).
 *
 * <p>What it makes is a <em>spare</em>, {@code journal-<n>.spare}, created and allocated to the segment size; the roll
 * takes it as it takes a recycled segment's spare (rename, header, force, directory sync). So the format and every
 * state a crash can leave are today's: a spare of any size or content, or none, which no reader looks at and which
 * an open lists and reuses. It is forced (so the roll's force of the header has no allocation left to commit), but
 * nothing relies on that: a spare lost to a power loss is simply not there, and one whose allocation was lost is
 * extended by the writer as a fresh file is.
 *
 * <p>The name {@code n} is below every sequence the journal holds as a segment or a spare, so no later recycle
 * (which names a spare after the segment it was) can pick the same name.
 *
 * <p>The same thread closes the windows and files the writer leaves behind ({@link #closeLater}), and deletes the
 * spares a recycle has no room for ({@link #deleteLater}).
 *
 * <p>Threads: {@link #start}, {@link #takeReady}, {@link #awaitIdle}, {@link #closeLater} and {@link #awaitCloses}
 * are the writer role's (the owner of
 * {@link JournalSegments}); the preparation runs on the preparer's thread and touches only the file it creates. A
 * failed preparation (a full disk) costs nothing but the ahead work: the file it left, if any, is still a spare, and
 * the roll allocates what is missing itself, where a full disk then fails as it does without a preparer.
 */
final class SegmentPreparer {
    static final String THREAD_NAME = "bucketdb-journal-prepare";

    private final DurableIO io;
    private final Path directory;
    private ExecutorService executor;
    private Future<Path> pending;

    SegmentPreparer(DurableIO io, Path directory) {
        this.io = io;
        this.directory = directory;
    }

    /** Whether a preparation was started and not yet taken. */
    boolean busy() {
        return pending != null;
    }

    /**
     * Starts making spare {@code name} of {@code bytes} on the preparer's thread; the caller checked that none is
     * pending ({@link #busy}).
     */
    void start(long name, long bytes) {
        Path path = SegmentFiles.sparePath(directory, name);
        pending = executor().submit(() -> prepare(path, bytes));
    }

    private Path prepare(Path path, long bytes) {
        DurableFile f;
        try {
            f = io.open(path, DurableIO.Mode.CREATE_NEW);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        try (f) {
            f.allocate(bytes);
            // The allocation made durable here, not by the roll's force of the header (the roll's force then commits
            // no block allocation of 64 MiB, on the writer's path).
            f.force();
        } catch (IOException | RuntimeException e) {
            // A full disk or a failing device: the file is a spare still (of any size), and the roll that reuses it
            // allocates the rest on the writer's path, where a full disk fails as it does without a preparer.
        }
        return path;
    }

    /**
     * {@return the spare a finished preparation made, or null if none finished (or it made no file)}; never waits.
     */
    Path takeReady() {
        if (pending == null || !pending.isDone()) {
            return null;
        }
        return take();
    }

    /** Waits for a pending preparation; {@return the spare it made, or null} (before spares are deleted or at close). */
    Path awaitIdle() {
        return pending == null ? null : take();
    }

    private Path take() {
        Future<Path> f = pending;
        pending = null;
        try {
            return Uninterruptibly.get(f);
        } catch (ExecutionException e) {
            return null; // prepare() catches what it expects; anything else left no spare worth using
        }
    }

    /**
     * Closes {@code window}, then {@code file} if not null, on the preparer's thread: unmapping a window closes its
     * shared arena, a handshake with every thread of the JVM (4 to 48 ms measured on a busy machine, at every doubling
     * of a segment's allocation and every roll), which the writer need not wait for once no one can reach the window.
     * Failures are dropped: the window's bytes were forced or are the force's to cover through the file.
     */
    void closeLater(AppendWindow window, DurableFile file) {
        executor().execute(() -> {
            try {
                window.close();
            } catch (RuntimeException e) {
                // nothing reads the window any more
            }
            if (file != null) {
                try {
                    file.close();
                } catch (IOException | RuntimeException e) {
                    // a full segment, forced before the roll: its close frees a descriptor, nothing more
                }
            }
        });
    }

    /**
     * Deletes spare {@code spare} on the preparer's thread, after the closes and preparations handed over before it. A
     * failure leaves the spare, which the next open lists and reuses.
     */
    void deleteLater(Path spare) {
        executor().execute(() -> {
            try {
                io.delete(spare);
            } catch (IOException | RuntimeException e) {
                // a spare left behind is one the next open reuses
            }
        });
    }

    /** Waits until every close handed over so far is done (before a file is truncated, and at close). */
    void awaitCloses() {
        if (executor == null) {
            return;
        }
        Future<?> marker = executor.submit(() -> { });
        try {
            Uninterruptibly.get(marker);
        } catch (ExecutionException e) {
            // an empty task: nothing to report
        }
    }

    private ExecutorService executor() {
        if (executor == null) {
            ThreadFactory threads = Thread.ofPlatform().name(THREAD_NAME).daemon().factory();
            // SCHED_BATCH: woken by its fsync's completion, it never preempts the writer's core (docs/BENCHMARKS.md "tail5")
            executor = Executors.newSingleThreadExecutor(r -> threads.newThread(() -> {
                NativeFileOps.batchCurrentThread();
                r.run();
            }));
        }
        return executor;
    }

    /** Ends the thread; the caller took the pending preparation first ({@link #awaitIdle}). */
    void close() {
        if (executor != null) {
            executor.shutdown();
            executor = null;
        }
    }
}
