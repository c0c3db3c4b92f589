package io.bucketdb;

import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cursor, and an iterator of the map view, is one position and serves one thread at a time. It may pass between
 * threads between calls; used by two threads at once, or read on another thread than the one that moved it, it
 * throws {@link ConcurrentModificationException} instead of returning another thread's entry, an entry twice, a key
 * paired with another entry's value, or an {@code ArrayIndexOutOfBoundsException} from its torn state.
 */
class SharedCursorTest {
    @TempDir
    Path tmp;

    @Test
    void anEntryIsReadOnTheThreadThatMovedToIt() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("hand"))) {
            for (long k = 0; k < 100; k++) {
                db.putLong(k, -k);
            }
            Cursor c = db.cursor(); // made here, moved on another thread: a hand-over between calls is fine
            AtomicReference<Long> moved = new AtomicReference<>();
            Thread other = Thread.ofPlatform().start(() -> {
                c.next();
                moved.set(c.keyLong());
                assertEquals(-c.keyLong(), c.valueLong());
            });
            other.join();
            ConcurrentModificationException e = assertThrows(ConcurrentModificationException.class, c::keyLong,
                    "the entry another thread's next() moved to");
            assertTrue(e.getMessage().contains("cursor used by two threads") && e.getMessage().contains(other.getName()), e.getMessage());
            assertThrows(ConcurrentModificationException.class, c::valueLong);
            assertThrows(ConcurrentModificationException.class, c::key);
            assertThrows(ConcurrentModificationException.class, c::value);
            // This thread moves it on and reads its own entries: the walk goes on where the other thread left it.
            Set<Long> seen = new java.util.HashSet<>(Set.of(moved.get()));
            while (c.next()) {
                assertEquals(-c.keyLong(), c.valueLong());
                assertTrue(seen.add(c.keyLong()), "returned twice: " + c.keyLong());
            }
            assertEquals(100, seen.size());
        }
    }

    @Test
    void twoThreadsInAMapIteratorAtOnceGetAnErrorNotATornWalk() throws Exception {
        CountDownLatch decoding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread blocked = Thread.currentThread();
        // A value codec that holds the first thread inside next() (it decodes the element there) until told.
        Codec<Long> holding = new Codec<>() {
            @Override
            public byte[] encode(Long value) {
                return Codec.LONG.encode(value);
            }

            @Override
            public Long decode(byte[] bytes) {
                if (Thread.currentThread() != blocked && decoding.getCount() > 0) {
                    decoding.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return Codec.LONG.decode(bytes);
            }

            @Override
            public OptionalInt fixedWidth() {
                return Codec.LONG.fixedWidth();
            }
        };
        try (BucketDB db = BucketDB.open(tmp.resolve("walk"))) {
            for (long k = 0; k < 10; k++) {
                db.putLong(k, k);
            }
            Map<Long, Long> map = db.asMap(Codec.LONG, holding);
            Iterator<Map.Entry<Long, Long>> it = map.entrySet().iterator();
            AtomicReference<Map.Entry<Long, Long>> first = new AtomicReference<>();
            Thread other = Thread.ofPlatform().start(() -> first.set(it.next()));
            decoding.await(); // the other thread is inside it.next()
            try {
                ConcurrentModificationException e = assertThrows(ConcurrentModificationException.class, it::hasNext);
                assertTrue(e.getMessage().contains(other.getName()), e.getMessage());
                assertThrows(ConcurrentModificationException.class, it::next);
                assertThrows(ConcurrentModificationException.class, it::remove);
            } finally {
                release.countDown();
                other.join();
            }
            // Handed over between calls, the walk goes on here and returns every other entry once.
            List<Long> keys = new ArrayList<>(List.of(first.get().getKey()));
            while (it.hasNext()) {
                keys.add(it.next().getKey());
            }
            assertEquals(Set.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), Set.copyOf(keys));
            assertEquals(10, keys.size(), "no entry twice");
            assertEquals(45L, map.keySet().parallelStream().collect(Collectors.summingLong(Long::longValue)),
                    "a parallel stream passes its iterator between threads between calls");
        }
    }

    /**
     * Two threads that walk one cursor with no lock of their own: whatever the interleaving, each entry a thread reads
     * is one entry (a key with its own value) that no other read returned, and every failure is the misuse error.
     */
    @Test
    void twoThreadsRacingOnACursorNeverSeeATornOrRepeatedEntry() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            try (BucketDB db = BucketDB.open(tmp.resolve("race"))) {
                int n = 20_000;
                for (long k = 0; k < n; k++) {
                    db.putLongAsync(k, -k);
                }
                db.putLong(n, -n);
                for (int round = 0; round < 4; round++) {
                    Cursor c = db.cursor();
                    Set<Long> read = ConcurrentHashMap.newKeySet();
                    ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
                    CyclicBarrier start = new CyclicBarrier(2);
                    List<Thread> walkers = new ArrayList<>();
                    for (int t = 0; t < 2; t++) {
                        SplittableRandom rnd = new SplittableRandom(seed + round * 2L + t);
                        walkers.add(Thread.ofPlatform().start(() -> {
                            try {
                                start.await();
                                for (int op = 0; op < 4 * n; op++) {
                                    try {
                                        if (!c.next()) {
                                            return;
                                        }
                                        long k = rnd.nextBoolean() ? c.keyLong() : Codec.LONG.decode(c.key());
                                        long v = rnd.nextBoolean() ? c.valueLong() : Codec.LONG.decode(c.value());
                                        if (v != -k) {
                                            wrong.add("key " + k + " with value " + v);
                                        } else if (!read.add(k)) {
                                            wrong.add("key " + k + " read twice");
                                        }
                                    } catch (ConcurrentModificationException expected) {
                                        // the other thread was in the cursor, or moved it beneath this one's entry
                                    }
                                }
                            } catch (Throwable e) {
                                wrong.add(e.toString());
                            }
                        }));
                    }
                    for (Thread w : walkers) {
                        w.join();
                    }
                    assertTrue(wrong.isEmpty(), () -> wrong.size() + " wrong results, first: " + wrong.peek());
                }
            }
        });
    }
}
