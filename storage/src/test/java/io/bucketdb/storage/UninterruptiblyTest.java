package io.bucketdb.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Uninterruptibly}: an interrupt neither cuts the wait short nor gets lost. */
@Timeout(60)
class UninterruptiblyTest {

    @Test
    void aJoinWaitsForTheThreadThroughAnInterruptAndKeepsIt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread helper = new Thread(() -> awaitQuietly(release));
        helper.start();
        Thread.currentThread().interrupt(); // the join below sees it at once
        Thread releaser = new Thread(() -> {
            sleepQuietly(50);
            release.countDown();
        });
        releaser.start();
        Uninterruptibly.join(helper);
        assertFalse(helper.isAlive(), "returned only once the thread had ended");
        assertTrue(Thread.interrupted(), "the interrupt is set again (and cleared here)");
        releaser.join();
    }

    @Test
    void aJoinOfAnEndedThreadLeavesNoInterrupt() throws Exception {
        Thread ended = new Thread(() -> { });
        ended.start();
        ended.join();
        Uninterruptibly.join(ended);
        assertFalse(Thread.interrupted());
    }

    @Test
    void getReturnsTheResultThroughAnInterruptAndKeepsIt() throws Exception {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread completer = new Thread(() -> {
            sleepQuietly(50);
            f.complete("done");
        });
        completer.start();
        Thread.currentThread().interrupt();
        assertEquals("done", Uninterruptibly.get(f));
        assertTrue(Thread.interrupted(), "the interrupt is set again (and cleared here)");
        completer.join();
    }

    @Test
    void getReportsWhatTheTaskThrew() {
        IllegalStateException thrown = new IllegalStateException("boom");
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> Uninterruptibly.get(CompletableFuture.failedFuture(thrown)));
        assertSame(thrown, e.getCause());
        assertFalse(Thread.interrupted());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
