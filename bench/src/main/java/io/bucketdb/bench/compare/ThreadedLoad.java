package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** The multi-threaded loads ({@code load-<T>t}, {@code load-<T>t-<R>r}) of a {@link Worker} fork, figures into its result. */
final class ThreadedLoad {
    private ThreadedLoad() {
    }

    /**
     * Puts keys 0 .. N-1 from {@code threads} threads at once, thread {@code t} taking the keys
     * numbered {@code t, t + threads, ...}. The time runs from the start signal until the last
     * thread is done. With {@code readers}, that many more threads call get on random keys of
     * 0 .. N-1 in a loop from the start signal until the writers are done (the reads per second
     * are reported beside the puts).
     */
    static void run(KvStore store, int entries, int threads, int readers, double writeCapSeconds, Properties result) throws Exception {
        {
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch go = new CountDownLatch(1);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong done = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                Thread th = new Thread(() -> {
                    long count = 0;
                    try (KvStore.Session s = KvStore.longView(store)) {
                        ready.countDown();
                        go.await();
                        // The stop flag is read before every put: with forced writes and many
                        // threads, even a few puts per thread past the cap take seconds.
                        for (int n = first; n < entries && !stop.get(); n += threads) {
                            long k = Keys.key(n);
                            s.put(k, Keys.valueOf(k));
                            count++;
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        done.addAndGet(count);
                    }
                }, "writer-" + t);
                workers.add(th);
                th.start();
            }
            ready.await();
            GcCounter gc = new GcCounter();
            long start = System.nanoTime();
            go.countDown();
            long capAt = start + Worker.nanos(writeCapSeconds);
            AtomicBoolean writersDone = new AtomicBoolean();
            AtomicLong reads = new AtomicLong();
            List<Thread> readerThreads = new ArrayList<>();
            for (int r = 0; r < readers; r++) {
                long seed = 0x9E3779B97F4A7C15L * (r + 1);
                Thread th = new Thread(() -> {
                    long count = 0;
                    long sink = 0;
                    SplittableRandom rnd = new SplittableRandom(seed);
                    try (KvStore.Session s = KvStore.longView(store)) {
                        while (!writersDone.get()) {
                            sink += s.get(Keys.key(rnd.nextInt(entries)), Keys.MISSING);
                            count++;
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        reads.addAndGet(count + (sink == 42 ? 1 : 0));
                    }
                }, "reader-" + r);
                readerThreads.add(th);
                th.start();
            }
            for (Thread th : workers) {
                long left = capAt - System.nanoTime();
                if (left > 0) {
                    th.join(Math.max(1, left / 1_000_000));
                }
                if (System.nanoTime() >= capAt) {
                    stop.set(true);
                }
            }
            for (Thread th : workers) {
                th.join();
            }
            long elapsed = System.nanoTime() - start;
            writersDone.set(true);
            for (Thread th : readerThreads) {
                th.join();
            }
            if (readers > 0) {
                result.setProperty("readers", Integer.toString(readers));
                result.setProperty("readsPerSec", Worker.fmt(reads.get() / Worker.seconds(elapsed)));
            }
            gc.report(result);
            if (failure.get() != null) {
                throw new IllegalStateException("a writer thread failed", failure.get());
            }
            long loaded = done.get();
            result.setProperty("ops", Long.toString(loaded));
            result.setProperty("seconds", Worker.fmt(Worker.seconds(elapsed)));
            result.setProperty("opsPerSec", Worker.fmt(loaded / Worker.seconds(elapsed)));
            result.setProperty("capped", Boolean.toString(loaded < entries));
            if (loaded == entries) {
                Worker.requireSize(store, entries, "after the load");
            }
        }
    }
}
