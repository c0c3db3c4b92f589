package io.bucketdb.storage;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.testkit.Seeds;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write-back hint ({@link FileDurableFile#startWriteback}) neither holds nor waits for the file's monitor, and the
 * native descriptor it uses is closed by whichever of the close and the last hint in flight comes second: a close
 * does not wait for a hint, and a hint never uses a closed descriptor (issue 16: the journal's page toucher, in
 * {@code SCHED_IDLE}, held the monitor inside a hint and the index's close waited for it to be scheduled again).
 */
class WritebackHintCloseTest {

    @TempDir
    Path dir;

    @BeforeEach
    void needsNativeAccess() {
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
    }

    private FileDurableFile written() throws IOException {
        FileDurableFile f = (FileDurableFile) FileDurableIO.INSTANCE.open(dir.resolve("f"), DurableIO.Mode.CREATE_NEW);
        f.allocate(1 << 16);
        f.write(0, ByteBuffer.allocate(1 << 16));
        assertTrue(f.descriptor() >= 0, "the file has a native descriptor");
        return f;
    }

    /** Whether {@code fd} is open on the test's file (a number closed may be given to another file meanwhile). */
    private boolean open(int fd) throws IOException {
        Path link = Path.of("/proc/self/fd/" + fd);
        try {
            return Files.readSymbolicLink(link).equals(dir.resolve("f").toRealPath());
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }

    @Test
    void aCloseWithAHintInFlightLeavesTheDescriptorToTheHintWhichClosesItWhenItReturns() throws IOException {
        FileDurableFile f = written();
        int fd = f.descriptor();
        assertTrue(f.enterHint());
        assertTrue(f.enterHint());
        f.close();
        assertTrue(open(fd), "closed under two hints in flight");
        assertFalse(f.enterHint(), "a hint after the close is ignored");
        f.startWriteback(0, 1 << 16);
        f.exitHint();
        assertTrue(open(fd), "closed under the second hint in flight");
        f.exitHint();
        assertFalse(open(fd), "the last hint out did not close the descriptor");
    }

    @Test
    void aCloseWithoutHintsClosesTheDescriptorAndLaterHintsAreIgnored() throws IOException {
        FileDurableFile f = written();
        int fd = f.descriptor();
        f.startWriteback(0, 1 << 16);
        f.startWriteback(0, 1 << 16);
        assertTrue(open(fd));
        f.close();
        assertFalse(open(fd), "the close did not close the descriptor");
        f.startWriteback(0, 1 << 16);
        assertFalse(f.enterHint());
        f.close();
    }

    @Test
    void aHintDoesNotWaitForTheMonitorThatAllocationsAndTheCloseTake() throws Exception {
        try (FileDurableFile f = written()) {
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            // Own threads, not the common pool: on 2 cores it has one worker, which the holder would keep.
            CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
                synchronized (f) {
                    held.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }, r -> Thread.ofPlatform().daemon().start(r));
            try {
                assertTrue(held.await(30, TimeUnit.SECONDS));
                CompletableFuture<Void> hint = CompletableFuture.runAsync(() -> f.startWriteback(0, 1 << 16),
                        r -> Thread.ofPlatform().daemon().start(r));
                // Not a timing assertion: with the monitor held for as long as this waits, a hint that needed it
                // would never return.
                hint.get(30, TimeUnit.SECONDS);
            } finally {
                release.countDown();
                holder.get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void hintsOnSeveralThreadsRacingTheCloseEndWithTheDescriptorClosedOnce() throws Exception {
        Seeds.run(random -> {
            for (int round = 0; round < 20; round++) {
                FileDurableFile f = written();
                int fd = f.descriptor();
                AtomicBoolean stop = new AtomicBoolean();
                Thread[] hinters = new Thread[3];
                for (int t = 0; t < hinters.length; t++) {
                    hinters[t] = Thread.ofPlatform().daemon().start(() -> {
                        while (!stop.get()) {
                            f.startWriteback(0, 1 << 16);
                        }
                    });
                }
                Thread.sleep(random.nextInt(3));
                // A close that closed the descriptor twice would throw here (EBADF) or in a later close of another
                // file that had been given the number; one that closed it never would leave it open below.
                f.close();
                stop.set(true);
                for (Thread t : hinters) {
                    t.join(TimeUnit.SECONDS.toMillis(30));
                    assertFalse(t.isAlive(), "a hinter did not end");
                }
                assertFalse(open(fd), "round " + round + ": the descriptor was left open");
                Files.delete(dir.resolve("f"));
            }
        });
    }
}
