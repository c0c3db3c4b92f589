package io.bucketdb.pipeline;

import com.lmax.disruptor.RingBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A blocking write from a dependent action that the background thread runs, published behind a ring slot that an
 * asynchronous publisher has claimed and not yet published. The write's look for work finds nothing it may drain (the
 * slot before it is not published), so the background thread parks as a caller; the publisher then publishes and finds
 * the role free. Before the fix it woke the background thread only if that thread waited for a nudge, which a thread
 * parked as a caller does not: both stayed parked for good (a clean-clone CI run hung 15 minutes in
 * {@code DependentActionWritesTest} this way). The test holds the slot itself, as that publisher between its claim and
 * its publish, and publishes through the publisher's own path ({@link WritePipeline#afterAsyncPublish}).
 */
class BlockedBehindAClaimedSlotTest {
    @TempDir
    Path dir;

    @Test
    void aBlockingWriteOfTheBackgroundThreadBehindAClaimedSlotIsDrainedOnceTheSlotIsPublished() throws Exception {
        try (PipelineFixture fx = new PipelineFixture(dir, 13)) {
            WritePipeline p = fx.pipeline;
            RingBuffer<WriteEvent> ring = p.ring();
            Thread background = p.backgroundThread();
            // A first claimed slot keeps the first put undrained until the action below is registered, so the action
            // runs where the put is completed (the background thread), not on this thread at registration.
            long first = ring.next();
            CompletableFuture<Boolean> put = p.putLongAsync(1, 1);
            CountDownLatch secondClaimed = new CountDownLatch(1);
            CompletableFuture<Boolean> action = put.thenApply(isNew -> {
                assertSame(background, Thread.currentThread(), "the background thread completes the asynchronous put");
                try {
                    secondClaimed.await();
                    return p.putLong(2, 2);
                } catch (IOException | InterruptedException e) {
                    throw new CompletionException(e);
                }
            });
            CompletableFuture<Object> firstWrite = publish(p, ring, first, 10);
            long second = ring.next();
            secondClaimed.countDown();
            // The action's put is published behind the second slot and its thread parks: wait until both happened.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(ring.getCursor() > second && background.getState() == Thread.State.WAITING)) {
                if (System.nanoTime() - deadline > 0) {
                    fail("the action's put was not published behind the claimed slot: cursor " + ring.getCursor()
                            + ", slot " + second + ", background thread " + background.getState());
                }
                Thread.onSpinWait();
            }
            CompletableFuture<Object> secondWrite = publish(p, ring, second, 20);
            assertTrue(action.get(60, TimeUnit.SECONDS), "the action's blocking put was drained and acknowledged");
            assertEquals(Boolean.TRUE, firstWrite.get(60, TimeUnit.SECONDS));
            assertEquals(Boolean.TRUE, secondWrite.get(60, TimeUnit.SECONDS));
            assertEquals(2, fx.table.getLong(2, -1));
            assertEquals(20, fx.table.getLong(20, -1));
        }
    }

    /** Publishes a put of {@code key} into the claimed {@code slot} as an asynchronous publisher does. */
    private static CompletableFuture<Object> publish(WritePipeline p, RingBuffer<WriteEvent> ring, long slot, long key) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        ring.get(slot).set(WriteEvent.Type.PUT_LONG, key, key, null, null, null, null, f);
        ring.publish(slot);
        p.afterAsyncPublish();
        return f;
    }
}
