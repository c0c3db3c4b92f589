package io.bucketdb.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Crash chains with real processes ({@link ChainRun}, {@code crashtest --chain}'s engine): writer lives that
 * never close, each opening the index (the recovery from the previous SIGKILL), checking every acknowledged
 * write through that open before writing, then writing SYNC or ASYNC puts, overwrites, deletes and batches into
 * growths of both kinds until it is killed at a growth, inside a batch, in a checkpoint or at random. Nothing
 * opens the index but the writers, and nothing closes it. 100 lives here, 1,000 with
 * {@code -Dbucketdb.torture=true}; {@code -Dbucketdb.seed=N} repeats a run's choices (not its timing).
 */
class KillChainTest {
    @TempDir
    Path tmp;

    @Test
    void everyAcknowledgedWriteSurvivesAChainOfKilledLivesThatNeverClose() throws Exception {
        long seed = seed();
        int lives = Boolean.getBoolean("bucketdb.torture") ? 1_000 : 100;
        ChainRun run = new ChainRun(tmp.resolve("idx"), Files.createDirectories(tmp.resolve("work")), null, 8, seed);
        ChainReport report = new ChainReport(seed);
        ChainRun.Aim[] aims = ChainRun.Aim.values();
        long start = System.nanoTime();
        // Stops at the first life that finds a problem: the report names it (life, key, expected and found).
        for (int i = 0; i < lives && report.ok(); i++) {
            report.life(run.live(aims[i % aims.length], Long.MAX_VALUE));
        }
        if (report.ok()) {
            report.life(run.finalCheck());
        }
        if (report.ok()) {
            report.structure(CrashtestCommand.checkStructure(tmp.resolve("idx")));
        }
        List<String> lines = report.lines(run.ledger(), System.nanoTime() - start);
        String text = "seed " + seed + " (rerun with -Dbucketdb.seed=" + seed + ")\n" + String.join("\n", lines);
        System.out.println("KillChainTest: " + text);
        assertEquals(List.of(), report.problems(), text);
        assertEquals(0, report.failedOpens(), text);
        assertEquals(0, report.lost(), text);
        assertEquals(0, report.wrong(), text);
        assertTrue(report.ok(), text);
        // The chain covered what it claims to.
        assertEquals(lives, report.writerLives(), text);
        Ledger l = run.ledger();
        assertTrue(l.batches() > lives && l.batchOperations() > l.batches(), "batches of several operations: " + text);
        assertTrue(l.overwrites() > 0 && l.deletes() > 0, "overwrites and deletes: " + text);
        assertTrue(report.writesChecked() > l.acknowledged() / 10, "checks: " + text);
        assertTrue(report.doublingsSeen() > 0, "doublings: " + text);
        // Same-size growths are reported, not required: the writers count the growths they see after each call,
        // and one that begins and ends inside a large batch goes unseen (runs saw 1 to a few per 100 lives).
        assertTrue(report.killsDuringGrowth() > 0, "a kill during a growth: " + text);
        assertTrue(report.killsWithBatchInFlight() > 0, "a kill with a batch in flight: " + text);
    }

    private static long seed() {
        String s = System.getProperty("bucketdb.seed");
        return s != null && !s.isBlank() ? Long.decode(s.trim()) : ThreadLocalRandom.current().nextLong();
    }
}
