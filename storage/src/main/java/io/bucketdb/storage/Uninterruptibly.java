package io.bucketdb.storage;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Waits that a close must finish even if its thread is interrupted: a helper thread stopped at close, or a task the
 * close needs done. An interrupt during the wait does not cut it short (a close that returned while its helper still
 * ran could free what the helper uses); it is kept and set again on return, so the caller still sees it.
 */
public final class Uninterruptibly {
    private Uninterruptibly() {
    }

    /**
     * Waits until {@code thread} has ended.
     *
     * @param thread the thread, already told to stop
     */
    public static void join(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits for {@code future}'s result.
     *
     * @param future the task's future
     * @param <T>    its result's type
     * @return its result
     * @throws ExecutionException if the task threw
     */
    public static <T> T get(Future<T> future) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
