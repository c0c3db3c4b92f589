package io.bucketdb.recovery;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Makes the file of the journal's next segment ahead of the roll that needs it (issue 16), on a thread of its own
 * ({@value #THREAD_NAME}), so the roll neither creates nor allocates a file on the writer's path and the new segment
 * is mapped once, whole, instead of remapped at every doubling of its allocation (each remap took the forces' lock,
 * and waited behind a force beside the role: up to 233 ms measured in a 10M-put load).
 *
 * <p>What it makes is a <em>spare</em>, {@code journal-<n>.spare}, created and allocated to the segment size; the roll
 * takes it as it takes a recycled segment's spare (rename, header, force, directory sync). So the format and every
 * state a crash can leave are today's: a spare of any size or content, or none, which no reader looks at and which
 * an open lists and reuses. Nothing is forced: a spare lost to a power loss is simply not there, and one whose
 * allocation was lost is extended by the writer as a fresh file is.
 *
 * <p>The name {@code n} is below every sequence the journal holds as a segment or a spare, so no later recycle
 * (which names a spare after the segment it was) can pick the same name.
 *
 * <p>Threads: {@link #start}, {@link #takeReady} and {@link #awaitIdle} are the writer role's (the owner of
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
        if (executor == null) {
            executor = Executors.newSingleThreadExecutor(Thread.ofPlatform().name(THREAD_NAME).daemon().factory());
        }
        Path path = SegmentFiles.sparePath(directory, name);
        pending = executor.submit(() -> prepare(path, bytes));
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
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    return null; // prepare() catches what it expects; anything else left no spare worth using
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Ends the thread; the caller took the pending preparation first ({@link #awaitIdle}). */
    void close() {
        if (executor != null) {
            executor.shutdown();
            executor = null;
        }
    }
}
