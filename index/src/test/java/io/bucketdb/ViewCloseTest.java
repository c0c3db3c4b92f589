package io.bucketdb;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.ForwardingDurableIO;
import io.bucketdb.storage.IndexFileNames;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A read-only view closed on one thread while another refreshes it: the refresh replays into the view's table, and
 * the close frees that table. The close waits for the refresh in progress, which completes, and a refresh after the
 * close is refused as every call on a closed index is. (The close freed the table beneath the replay, which failed
 * with an {@code ArrayIndexOutOfBoundsException} from the emptied mapping.)
 */
class ViewCloseTest {
    @TempDir
    Path tmp;

    @Test
    void aCloseWaitsForARefreshInProgressAndRefusesTheNext() throws Exception {
        Path dir = tmp.resolve("v");
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean();
        // Holds the refresh as it opens a journal segment to replay it, before it applies a record.
        DurableIO holding = new ForwardingDurableIO(FileDurableIO.INSTANCE) {
            @Override
            public DurableFile open(Path file, Mode mode) throws IOException {
                if (mode == Mode.READ_ONLY && IndexFileNames.isJournal(file.getFileName().toString()) && armed.getAndSet(false)) {
                    reading.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return super.open(file, mode);
            }
        };
        try (BucketDB writer = BucketDB.open(dir)) {
            writer.putLong(0, 0);
            BucketDB view = BucketDB.open(dir, Options.defaults().withReadOnly(true).withDurableIO(holding));
            for (long k = 1; k <= 1000; k++) {
                writer.putLong(k, k);
            }
            armed.set(true);
            AtomicReference<Object> refreshed = new AtomicReference<>();
            Thread refresher = Thread.ofPlatform().start(() -> {
                try {
                    refreshed.set(view.refresh());
                } catch (Throwable e) {
                    refreshed.set(e);
                }
            });
            reading.await();
            AtomicReference<Throwable> closeFailed = new AtomicReference<>();
            Thread closer = Thread.ofPlatform().start(() -> {
                try {
                    view.close();
                } catch (Throwable e) {
                    closeFailed.set(e);
                }
            });
            // The close waits for the refresh (or, without the fix, has freed the table already).
            while (closer.getState() != Thread.State.BLOCKED && closer.isAlive()) {
                Thread.onSpinWait();
            }
            release.countDown();
            refresher.join();
            closer.join();
            assertNull(closeFailed.get());
            // 1000 puts, and the growth markers among them.
            assertTrue(refreshed.get() instanceof Long n && n >= 1000, () -> "the refresh in progress completes: " + refreshed.get());
            IllegalStateException e = assertThrows(IllegalStateException.class, view::refresh);
            assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        }
    }
}
