package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Growth;
import io.bucketdb.WriteBatch;

import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * crashtest's writer workload, run in the writer process until it is killed: {@value #THREADS} threads put,
 * overwrite and delete keys with blocking and async calls and {@link WriteBatch}es of random size (blocking
 * and async), announcing each operation in the ledger file before publishing it and acknowledging it there
 * after it completed ({@link LedgerFile}); a thread takes explicit checkpoints, and one reports the growth
 * state on stdout so the parent can aim a kill into a growth.
 *
 * <h2>Keys: growth of both kinds</h2>
 * Thread {@code t} owns the keys {@code t + THREADS * j}, so operations on one key are published by one thread
 * in sequence order. Its sequence numbers are {@code first[t] + THREADS * i} (all {@code = t mod THREADS}),
 * continuing from one life to the next where the last one stopped, and {@code r = seq / THREADS} is its
 * position. The keys follow a FIFO window of {@code W} keys: at an odd position the thread deletes the key that
 * just left the window ({@code j = r/2 - W}); at an even one it mostly inserts a fresh key at the head
 * ({@code j = r/2}), else overwrites or deletes a random key of the window. About 60% of a window is present,
 * so the table holds a constant {@code 1.8 W} keys while fresh keys churn its buckets and pile up overflow
 * buckets until a same-size growth packs them. {@code W} is {@code 3 * 2^B} for a {@code B} that grows by
 * one every {@value #STAGE} positions, from {@value #FIRST_B} to {@value #LAST_B}: the table doubles to
 * {@code B} and then churns at about 5.4 keys per bucket, below the doubling threshold of 6.5, where overflow
 * buckets pile up fast (measured in process: 12 same-size growths in 600,000 operations over B = 5..12; with
 * 3.3 * 2^B the count's swings crossed 6.5 and doubled instead, and at a load of 3.5 none came in 200,000).
 */
final class ChurnWriter {
    /** Writer threads: more than one, so the ring sees concurrent producers. */
    static final int THREADS = 3;
    /** Asynchronous operations one thread keeps in flight at most. */
    private static final int BURST = 16;
    /** Positions per doubling of the window. */
    static final long STAGE = 32768;
    /** The table size (log2 of its buckets) the first window aims at, and the last. */
    static final int FIRST_B = 5;
    static final int LAST_B = 12;
    /** Batches at least this large are announced on stdout, so the parent can aim a kill into one. */
    static final int ANNOUNCED_BATCH = 32;

    private final BucketDB db;
    private final LedgerFile.Appender ledger;
    private final WriterChild.Report out;
    private final int valueSize;
    private final long[] first;
    private final long perThread;
    private final long maxWindow;
    private final AtomicLong acks = new AtomicLong();
    /** Growths begun, as the writer threads saw them after each call (guarded by this). */
    private int doublings;
    private int sameSizeGrowths;
    private Growth lastGrowth;

    /**
     * @param first  thread t's first sequence number in this life, {@code = t mod THREADS} (see {@link Ledger#nextSeqs})
     * @param keyCap keys stay below this
     */
    ChurnWriter(BucketDB db, LedgerFile.Appender ledger, WriterChild.Report out, int valueSize, long[] first, long keyCap) {
        this.db = db;
        this.ledger = ledger;
        this.out = out;
        this.valueSize = valueSize;
        if (first.length != THREADS) {
            throw new IllegalArgumentException("expected " + THREADS + " first sequence numbers, got " + first.length);
        }
        for (int t = 0; t < THREADS; t++) {
            if (first[t] < 1 || first[t] % THREADS != t) {
                throw new IllegalArgumentException("thread " + t + "'s first sequence number " + first[t] + " is not " + t
                        + " mod " + THREADS);
            }
        }
        this.first = first.clone();
        this.perThread = Math.max(4, keyCap / THREADS);
        this.maxWindow = Math.max(1, perThread / 4);
    }

    /** Starts the threads (with {@code checkpoints}, one that takes explicit checkpoints); they run until the process is killed. */
    void start(long seed, boolean checkpoints) {
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            SplittableRandom rnd = new SplittableRandom(seed * 31 + t);
            Thread.ofPlatform().name("churn-" + t).start(() -> run(thread, rnd));
        }
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        if (checkpoints) {
            Thread.ofPlatform().name("checkpoints").start(() -> checkpoints(rnd));
        }
        Thread.ofPlatform().name("growth-watch").start(this::watch);
    }

    /** The key operation {@code seq} of {@code thread} touches, and whether it deletes it (bit 0 of the result). */
    long keyAndOp(int thread, long seq, SplittableRandom rnd) {
        long r = seq / THREADS;
        long window = Math.min(maxWindow, 3L << (FIRST_B + Math.min(LAST_B - FIRST_B, r / STAGE)));
        long head = r / 2;
        long j;
        boolean delete;
        if ((r & 1) == 1) {
            j = head - window;
            delete = true;
        } else {
            int dice = rnd.nextInt(100);
            j = dice < 60 ? head : head - 1 - rnd.nextLong(window);
            delete = dice >= 85;
        }
        long key = thread + THREADS * Math.floorMod(j, perThread);
        return key << 1 | (delete ? 1 : 0);
    }

    private void run(int thread, SplittableRandom rnd) {
        long next = first[thread];
        long[] seq = new long[BURST];
        long[] key = new long[BURST];
        boolean[] delete = new boolean[BURST];
        @SuppressWarnings("unchecked")
        CompletableFuture<?>[] futures = new CompletableFuture[BURST];
        StringBuilder line = new StringBuilder();
        while (true) {
            int dice = rnd.nextInt(10);
            if (dice < 2) {
                // A batch: usually small, one in six up to 400 operations (many frames, one group write).
                int n = 1 + rnd.nextInt(rnd.nextInt(6) == 0 ? 400 : 24);
                WriteBatch batch = new WriteBatch();
                line.setLength(0);
                line.append("B ").append(next).append(' ').append(THREADS);
                for (int i = 0; i < n; i++) {
                    long ko = keyAndOp(thread, next + (long) i * THREADS, rnd);
                    long k = ko >>> 1;
                    boolean del = (ko & 1) != 0;
                    line.append(' ').append(k).append(del ? 'D' : 'P');
                    long s = next + (long) i * THREADS;
                    if (valueSize == 8) {
                        batch = del ? batch.deleteLong(k) : batch.putLong(k, CrashValue.tag(k, s));
                    } else {
                        batch = del ? batch.delete(CrashValue.keyBytes(k)) : batch.put(CrashValue.keyBytes(k), CrashValue.bytes(k, s, valueSize));
                    }
                }
                long id = next;
                next += (long) n * THREADS;
                ledger.line(line);
                boolean announce = n >= ANNOUNCED_BATCH;
                if (announce) {
                    out.line("BS");
                }
                if (rnd.nextBoolean()) {
                    db.write(batch);
                } else {
                    db.writeAsync(batch).join();
                }
                ledger.line("A " + id);
                if (announce) {
                    out.line("BE");
                }
                acks.addAndGet(n);
                observeGrowth();
                continue;
            }
            int n = dice < 5 ? 1 : 1 + rnd.nextInt(BURST);
            for (int i = 0; i < n; i++) {
                seq[i] = next;
                next += THREADS;
                long ko = keyAndOp(thread, seq[i], rnd);
                key[i] = ko >>> 1;
                delete[i] = (ko & 1) != 0;
                ledger.line("W " + seq[i] + " " + key[i] + (delete[i] ? " D" : " P"));
            }
            if (dice < 5) {
                if (delete[0]) {
                    deleteBlocking(key[0]);
                } else {
                    putBlocking(key[0], seq[0]);
                }
                ledger.line("A " + seq[0]);
            } else {
                for (int i = 0; i < n; i++) {
                    futures[i] = delete[i] ? deleteAsync(key[i]) : putAsync(key[i], seq[i]);
                }
                for (int i = 0; i < n; i++) {
                    futures[i].join();
                    ledger.line("A " + seq[i]);
                    futures[i] = null;
                }
            }
            acks.addAndGet(n);
            observeGrowth();
        }
    }

    /**
     * Counts the growths that began since the last look. Every thread looks after each call, so a growth is
     * seen even when it lasts less than the watcher's 2 ms (a same-size growth at B = 6 is 32 writes); the
     * first look of a life does not count a growth the open recovered in the middle of.
     */
    private synchronized void observeGrowth() {
        Growth g = db.growth();
        if (lastGrowth != null && g.growing()
                && (!lastGrowth.growing() || g.b() != lastGrowth.b() || g.sameSizeGrowth() != lastGrowth.sameSizeGrowth())) {
            if (g.sameSizeGrowth()) {
                sameSizeGrowths++;
            } else {
                doublings++;
            }
        }
        lastGrowth = g;
    }

    private synchronized String growthCounts() {
        return doublings + " " + sameSizeGrowths;
    }

    private void putBlocking(long key, long seq) {
        if (valueSize == 8) {
            db.putLong(key, CrashValue.tag(key, seq));
        } else {
            db.put(CrashValue.keyBytes(key), CrashValue.bytes(key, seq, valueSize));
        }
    }

    private void deleteBlocking(long key) {
        if (valueSize == 8) {
            db.deleteLong(key);
        } else {
            db.delete(CrashValue.keyBytes(key));
        }
    }

    private CompletableFuture<Boolean> putAsync(long key, long seq) {
        return valueSize == 8 ? db.putLongAsync(key, CrashValue.tag(key, seq))
                : db.putAsync(CrashValue.keyBytes(key), CrashValue.bytes(key, seq, valueSize));
    }

    private CompletableFuture<Boolean> deleteAsync(long key) {
        return valueSize == 8 ? db.deleteLongAsync(key) : db.deleteAsync(CrashValue.keyBytes(key));
    }

    /** Explicit checkpoints at random intervals, announced, so the parent can aim a kill into one. */
    private void checkpoints(SplittableRandom rnd) {
        while (true) {
            sleepMillis(20 + rnd.nextInt(200));
            out.line("CB");
            db.checkpoint();
            out.line("CE");
        }
    }

    /** Reports the growth state when it changes and the acknowledgements so far, every 2 ms. */
    private void watch() {
        String last = "";
        long lastAcks = -1;
        while (true) {
            Growth g = db.growth();
            long a = acks.get();
            String line = WriterChild.growthLine(a, g);
            String state = line.substring(line.indexOf(' ', 2));
            if (!state.equals(last)) {
                out.line(line);
                last = state;
            }
            if (a != lastAcks) {
                out.line("P " + a + " " + growthCounts());
                lastAcks = a;
            }
            sleepMillis(2);
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
