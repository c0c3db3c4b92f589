package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code kill -9}: a child JVM ({@link KillChild}) writes with {@code SYNC} and reports each acknowledged write;
 * the parent kills it with SIGKILL at a random moment, opens a read-only view of the index in-process and checks
 * that every acknowledged write is there (the one write in flight may or may not be; nothing that was never written
 * appears), and starts the next child on the same directory. The view writes nothing, so each child recovers what
 * the kill before it left: the kills form one chain with no clean close anywhere in it. After the last kill a
 * writable open recovers in-process and checks once more. Small checkpoint limits and a key space that widens over
 * the run make kills land during checkpoints and growths.
 */
class ProcessKillTest {
    @TempDir
    Path tmp;

    /** Per key: the acknowledged value, or null after an acknowledged delete. */
    private final Map<Long, Long> acked = new HashMap<>();

    @Test
    void everyAcknowledgedWriteSurvivesKillDashNine() throws Exception {
        long seed = Seeds.seed();
        int kills = Seeds.torture() ? 1_000 : 100;
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            Path dir = tmp.resolve("idx");
            long nextSeq = 1;
            int midGrowth = 0;
            int midExplicitCheckpoint = 0;
            int midWrite = 0;
            int inFlightRecovered = 0;
            long totalAcks = 0;
            int maxB = 0;
            long started = System.nanoTime();
            for (int kill = 0; kill < kills; kill++) {
                int acksBeforeKill = rnd.nextInt(60);
                // One kill in four waits past its count for an acknowledgement that reports a growth under
                // way (at most GROWTH_WAIT more): growths are a few percent of the writes here, bunched at
                // the doublings, and 100 kills at random counts could miss them all (a clean-clone run did; with
                // growth in about 2% of the acknowledgements, roughly one run in eight by a Poisson estimate).
                boolean aimAtGrowth = rnd.nextInt(4) == 0;
                int extraMicros = rnd.nextInt(5_000);
                Path err = tmp.resolve("child-" + kill + ".err");
                Process child = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
                        "-cp", System.getProperty("java.class.path"),
                        KillChild.class.getName(), dir.toString(), Long.toString(rnd.nextLong()), Long.toString(nextSeq)))
                        .redirectError(err.toFile())
                        .start();
                List<String> lines = new ArrayList<>();
                BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII));
                int acks = 0;
                boolean growing = false;
                String line;
                while (!killNow(acks, acksBeforeKill, aimAtGrowth, growing) && (line = in.readLine()) != null) {
                    lines.add(line);
                    if (line.startsWith("A ")) {
                        acks++;
                        growing = line.split(" ")[2].equals("1");
                    }
                }
                if (!killNow(acks, acksBeforeKill, aimAtGrowth, growing)) {
                    fail("kill " + kill + ": the child died by itself: " + child.waitFor() + "\n" + Files.readString(err));
                }
                TimeUnit.MICROSECONDS.sleep(extraMicros);
                // SIGKILL through the process handle: Process.destroyForcibly() would also close our end of the
                // pipe, losing acknowledgements the child wrote just before it died.
                assertTrue(child.toHandle().destroyForcibly(), "kill " + kill + ": SIGKILL not sent");
                assertTrue(child.waitFor(60, TimeUnit.SECONDS), "kill " + kill + ": the child did not die");
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
                in.close();
                // Fold what the child reported into the model.
                long inFlightSeq = -1;
                long inFlightKey = -1;
                boolean inFlightDelete = false;
                String last = "";
                String lastAck = null;
                for (String l : lines) {
                    String[] f = l.split(" ");
                    switch (f[0]) {
                        case "W" -> {
                            inFlightSeq = Long.parseLong(f[1]);
                            inFlightKey = Long.parseLong(f[2]);
                            inFlightDelete = f[3].equals("D");
                            nextSeq = Math.max(nextSeq, inFlightSeq + 1);
                        }
                        case "A" -> {
                            assertEquals(inFlightSeq, Long.parseLong(f[1]), "kill " + kill + ": ack of the write begun");
                            acked.put(inFlightKey, inFlightDelete ? null : inFlightSeq << KillChild.KEY_BITS | inFlightKey);
                            inFlightSeq = -1;
                            totalAcks++;
                            lastAck = l;
                        }
                        default -> {
                        }
                    }
                    last = l;
                }
                if (last.startsWith("W ")) {
                    midWrite++;
                }
                if (last.equals("CB")) {
                    midExplicitCheckpoint++;
                }
                if (lastAck != null) {
                    String[] f = lastAck.split(" ");
                    if (f[2].equals("1")) {
                        midGrowth++;
                    }
                    maxB = Math.max(maxB, Integer.parseInt(f[3]));
                }
                if (check(dir, inFlightSeq, inFlightKey, inFlightDelete, "kill " + kill + " (last line '" + last + "')", true)) {
                    inFlightRecovered++;
                }
            }
            check(dir, -1, -1, false, "writable open after " + kills + " kills", false);
            System.out.printf("ProcessKillTest: %d kills in %.1f s, %d acknowledged writes, %d keys; kills after a write"
                            + " began and before its ack: %d (its write recovered in %d), during an explicit checkpoint: %d,"
                            + " while a growth was under way: %d; largest B %d (seed %d)%n",
                    kills, (System.nanoTime() - started) / 1e9, totalAcks, acked.size(), midWrite, inFlightRecovered,
                    midExplicitCheckpoint, midGrowth, maxB, seed);
            assertTrue(midGrowth > 0, "no kill landed during a growth");
        });
    }

    /** Acknowledgements a kill aimed at a growth waits for one, past its count, before it gives up. */
    private static final int GROWTH_WAIT = 300;

    /** Whether the parent kills the child now, having read {@code acks} acknowledgements, the last {@code growing}. */
    private static boolean killNow(int acks, int acksBeforeKill, boolean aimAtGrowth, boolean growing) {
        return acks >= acksBeforeKill && (!aimAtGrowth || growing || acks >= acksBeforeKill + GROWTH_WAIT);
    }

    /**
     * Checks the index against the model, through a read-only view ({@code readOnly}) or a writable open; the write
     * in flight becomes part of the model as the view or the recovery found it (the journal on disk decides it, so
     * the next child's recovery finds the same). Returns whether the write in flight took effect.
     */
    private boolean check(Path dir, long inFlightSeq, long inFlightKey, boolean inFlightDelete, String where, boolean readOnly)
            throws IOException {
        if (readOnly && acked.isEmpty() && !Files.exists(dir.resolve(IndexFileNames.TABLE))) {
            // A kill before the first child had created its index (it acknowledges nothing before its open): a crash
            // state like any other. A view of it must refuse clearly, and the next child's writable open creates the
            // index (seed 59's first kill: 0 acknowledgements to wait for, the child killed within 5 ms of its start).
            IOException none = assertThrows(IOException.class, () -> BucketDB.open(dir, Fixtures.realOptions().withReadOnly(true)),
                    where + ": a view of a directory with no index yet");
            assertTrue(none.getMessage().startsWith("no index"), where + ": " + none.getMessage());
            return false;
        }
        try (BucketDB db = BucketDB.open(dir, Fixtures.realOptions().withReadOnly(readOnly))) {
            boolean inFlightApplied = false;
            long present = 0;
            for (Map.Entry<Long, Long> e : acked.entrySet()) {
                long key = e.getKey();
                long got = db.getLong(key, -1);
                long exp = e.getValue() == null ? -1 : e.getValue();
                if (key == inFlightKey && inFlightSeq >= 0) {
                    long alt = inFlightDelete ? -1 : inFlightSeq << KillChild.KEY_BITS | key;
                    assertTrue(got == exp || got == alt, where + ": key " + key + " in flight holds " + describe(got)
                            + ", expected " + describe(exp) + " or " + describe(alt) + "; recovery " + db.recovery());
                    inFlightApplied = got == alt && alt != exp;
                } else {
                    assertEquals(describe(exp), describe(got), where + ": acknowledged key " + key + "; recovery " + db.recovery());
                }
                if (got != -1) {
                    present++;
                }
            }
            if (inFlightSeq >= 0 && !acked.containsKey(inFlightKey)) {
                long got = db.getLong(inFlightKey, -1);
                long alt = inFlightDelete ? -1 : inFlightSeq << KillChild.KEY_BITS | inFlightKey;
                assertTrue(got == -1 || got == alt, where + ": new key " + inFlightKey + " in flight holds " + describe(got));
                inFlightApplied = got == alt && alt != -1;
                if (got != -1) {
                    present++;
                }
            }
            assertEquals(present, db.size(), where + ": no phantom keys; recovery " + db.recovery());
            if (inFlightSeq >= 0) {
                long now = db.getLong(inFlightKey, -1);
                acked.put(inFlightKey, now == -1 ? null : now);
            }
            return inFlightApplied;
        }
    }

    private static String describe(long value) {
        return value == -1 ? "absent" : "seq " + (value >>> KillChild.KEY_BITS) + " key " + (value & ((1L << KillChild.KEY_BITS) - 1));
    }
}
