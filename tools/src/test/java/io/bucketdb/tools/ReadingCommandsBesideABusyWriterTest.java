package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every reading command, run in-process over and over beside a writer in the same JVM that checkpoints all the time
 * (small triggers) and grows the table: the design promises the tools read the files while a writer runs, so none may
 * report damage, and get, scan, export and backup show every key the writer acknowledged before the command began.
 * Key {@code k} is put with {@link Cli#value}; keys {@code k % 7 == 3} are deleted right after their put, so they are
 * never required. Rerun a failure with {@code -Dbucketdb.seed=...} (the seed is in the message); a longer run with
 * {@code -Dbucketdb.liveRounds=600 -Dbucketdb.liveKeys=400000}.
 */
final class ReadingCommandsBesideABusyWriterTest {
    private static final int ROUNDS = Integer.getInteger("bucketdb.liveRounds", 60);
    private static final long MAX_KEYS = Long.getLong("bucketdb.liveKeys", 60_000);
    private static final String[] COMMANDS = {"stat", "dump", "dump-key", "verify", "get", "scan", "export", "backup"};

    @TempDir
    Path tmp;

    @Test
    void shouldReadWithoutFalseDamageBesideAWriterThatCheckpointsAndGrows() throws Exception {
        long seed = Long.getLong("bucketdb.seed", System.nanoTime());
        String why = "seed " + seed + " (rerun with -Dbucketdb.seed=" + seed + ")";
        Random rnd = new Random(seed);
        Path dir = tmp.resolve("idx");
        Options o = Options.defaults().withChunking(16, 16).withHashSeed(Cli.SEED).withDurability(Durability.ASYNC)
                .withCheckpointTriggers(4096 * 16, 4096 * 16, Duration.ofMillis(50));
        AtomicLong acked = new AtomicLong(); // keys below this were put (and, k % 7 == 3, deleted) and acknowledged
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Map<String, Integer> runs = new HashMap<>();
        try (BucketDB writer = BucketDB.open(dir, o)) {
            for (long k = 0; k < 1_000; k++) {
                put(writer, k);
            }
            acked.set(1_000);
            Thread t = Thread.ofPlatform().name("busy-writer").start(() -> {
                try {
                    // It stops at MAX_KEYS: overwriting flat out after that, with these triggers, checkpoints so
                    // often that a read-only view finds no quiet moment to copy the table (60 s, then an error).
                    for (long k = acked.get(); !stop.get() && k < MAX_KEYS; k++) {
                        put(writer, k);
                        acked.set(k + 1);
                    }
                } catch (Throwable e) {
                    writerFailure.set(e);
                }
            });
            try {
                for (int round = 0; round < ROUNDS; round++) {
                    String cmd = COMMANDS[rnd.nextInt(COMMANDS.length)];
                    runs.merge(cmd, 1, Integer::sum);
                    long before = acked.get();
                    String where = why + ", round " + round + ", " + cmd + " with " + before + " keys acknowledged";
                    check(cmd, dir, before, rnd, where);
                    assertNull(writerFailure.get(), () -> where + ": the writer failed: " + writerFailure.get());
                }
            } finally {
                stop.set(true);
                t.join();
            }
        }
        assertNull(writerFailure.get(), () -> why + ": the writer failed: " + writerFailure.get());
        System.out.println("ReadingCommandsBesideABusyWriterTest: " + why + ", runs " + runs + ", keys " + acked.get());
    }

    private static void put(BucketDB db, long k) {
        db.putLong(k, Cli.value(k));
        if (k % 7 == 3) {
            db.deleteLong(k);
        }
    }

    private static boolean required(long k) {
        return k % 7 != 3;
    }

    private void check(String cmd, Path dir, long before, Random rnd, String where) throws IOException {
        Cli.Result r;
        switch (cmd) {
            case "stat" -> r = ok(where, Cli.run("stat", dir.toString()));
            case "dump" -> r = ok(where, Cli.run("dump", dir.toString()));
            case "verify" -> r = ok(where, Cli.run("verify", dir.toString()));
            case "dump-key" -> {
                long k = requiredKey(rnd, before);
                r = ok(where, Cli.run("dump", dir.toString(), "--key", String.valueOf(k), "--format", "long"));
            }
            case "get" -> {
                long k = requiredKey(rnd, before);
                r = ok(where + ", key " + k, Cli.run("get", dir.toString(), String.valueOf(k)));
                assertEquals(String.valueOf(Cli.value(k)), r.out().strip(), () -> where + ": get " + k);
            }
            case "scan" -> {
                r = ok(where, Cli.run("scan", dir.toString()));
                assertAllShown(where, before, parse(r.out(), Pattern.compile("(?m)^(-?\\d+)\t(-?\\d+)$")));
            }
            case "export" -> {
                r = ok(where, Cli.run("export", dir.toString(), "--format", "long"));
                assertAllShown(where, before, parse(r.out(), Pattern.compile("\"key\":(-?\\d+),\"value\":(-?\\d+)")));
            }
            case "backup" -> {
                Path dest = tmp.resolve("backup-" + System.nanoTime());
                r = ok(where, Cli.run("backup", dir.toString(), dest.toString()));
                try (BucketDB copy = BucketDB.open(dest, Options.defaults().withReadOnly(true))) {
                    for (long k = 0; k < before; k++) {
                        if (required(k)) {
                            long key = k;
                            assertEquals(Cli.value(k), copy.getLong(k, -1), () -> where + ": key " + key + " in the backup");
                        }
                    }
                }
                deleteTree(dest);
            }
            default -> throw new AssertionError(cmd);
        }
    }

    private static long requiredKey(Random rnd, long before) {
        long k;
        do {
            k = (long) (rnd.nextDouble() * before);
        } while (!required(k));
        return k;
    }

    private static Cli.Result ok(String where, Cli.Result r) {
        assertEquals(0, r.code(), () -> where + ": " + r);
        String err = r.err().toLowerCase(java.util.Locale.ROOT);
        assertFalse(err.contains("damaged") || err.contains("corrupt"), () -> where + ": " + r);
        assertFalse(r.out().contains("chain broken"), () -> where + ": dump showed a torn chain as broken: " + r);
        return r;
    }

    private static Map<Long, Long> parse(String out, Pattern p) {
        Map<Long, Long> m = new HashMap<>();
        Matcher x = p.matcher(out);
        while (x.find()) {
            m.put(Long.parseLong(x.group(1)), Long.parseLong(x.group(2)));
        }
        return m;
    }

    private static void assertAllShown(String where, long before, Map<Long, Long> shown) {
        for (long k = 0; k < before; k++) {
            if (required(k)) {
                long key = k;
                assertEquals(Cli.value(k), shown.getOrDefault(k, -1L), () -> where + ": key " + key + " of " + shown.size() + " shown");
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (var s = java.nio.file.Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(f);
            }
        }
    }
}
