package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Runs {@code bucketdb} in-process with captured output, and builds the indexes the tests need. */
final class Cli {
    static final long SEED = 0xB0C4E7DBL;

    record Result(int code, String out, String err) {
        /** The stderr lines; bad input must produce exactly one and never a stack trace. */
        String[] errLines() {
            return err.isEmpty() ? new String[0] : err.split("\n");
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    private Cli() {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    static Options options() {
        // No idle evacuation: the growing indexes built here must stay mid-growth until they are closed.
        return Options.defaults().withChunking(16, 16).withHashSeed(SEED).withDurability(io.bucketdb.Durability.ASYNC)
                .withIdleEvacuation(false);
    }

    static long value(long key) {
        return key * 100 + 7;
    }

    /** An index of long keys {@code 0..n-1} mapped to {@link #value}, closed. */
    static Path longIndex(Path dir, long n) throws IOException {
        try (BucketDB db = BucketDB.open(dir, options())) {
            for (long k = 0; k < n; k++) {
                db.putLong(k, value(k));
            }
        }
        return dir;
    }

    /** An index closed in the middle of a doubling (some old buckets evacuated); returns its key count. */
    static long growingIndex(Path dir) throws IOException {
        return growingIndex(dir, 9);
    }

    /**
     * {@link #growingIndex(Path)} stopping in the first doubling to at least {@code minB}: below 8 (one whole piece of
     * these options' 64 KiB alignment) a doubling copies into a fresh array and marks the old buckets evacuated, from
     * there on it splits them in place (format version 7).
     */
    static long growingIndex(Path dir, int minB) throws IOException {
        long k = 0;
        try (BucketDB db = BucketDB.open(dir, options())) {
            while (true) {
                db.putLong(k, value(k));
                k++;
                if ((k & 31) == 0) {
                    var s = db.stats();
                    if (s.growing() && s.b() >= minB && s.evacuated() > s.oldBuckets() / 4) {
                        return k;
                    }
                }
            }
        }
    }

    /** Key {@code i} of {@link #variableIndex}: 7 to 56 bytes, so some stay inline and some go to the heap. */
    static byte[] variableKey(int i) {
        return ("user:" + i + ":" + "x".repeat(i % 50)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The value of key {@code i} in overwrite round {@code round} of {@link #variableIndex}: up to 3,000 bytes. */
    static byte[] variableValue(int i, int round) {
        return ("v" + round + "-" + i + "-" + "y".repeat((i * 37 + round) % 3000)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * A closed index of variable-length keys (16 bytes inline) and values (24 inline) with a fragmented heap:
     * 2,000 entries, each written three times with other lengths (round 2 stays), the even keys deleted.
     */
    static Path variableIndex(Path dir) throws IOException {
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withVariableKeys(16).withVariableValues(24)
                .withDurability(Durability.ASYNC).withHashSeed(SEED))) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 2000; i++) {
                    db.put(variableKey(i), variableValue(i, round));
                }
            }
            for (int i = 0; i < 2000; i += 2) {
                db.delete(variableKey(i));
            }
        }
        return dir;
    }

    /**
     * An index in {@code tmp/name} whose writer "died" after {@code puts} acknowledged SYNC puts of key
     * k -> 10k: the files a power loss keeping every write leaves (the journal holds every put after the
     * last checkpoint, each SYNC put in its own forced batch).
     */
    static Path crashed(Path tmp, String name, int puts) throws IOException {
        Path live = tmp.resolve(name + "-live");
        CrashSimulator sim = new CrashSimulator();
        BucketDB db = BucketDB.open(live, options().withDurability(Durability.SYNC).withDurableIO(sim));
        for (long k = 0; k < puts; k++) {
            db.putLong(k, k * 10);
        }
        Path image = tmp.resolve(name);
        sim.writeCrashImage(live, image, CrashMode.KEEP_ALL);
        return image; // db is abandoned, as a killed process would leave it
    }

    /** The first journal segment file of {@code dir}. */
    static Path firstSegment(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("journal-[0-9a-f]{16}\\.log")).sorted().findFirst().orElseThrow();
        }
    }
}
