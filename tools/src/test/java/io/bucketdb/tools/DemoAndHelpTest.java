package io.bucketdb.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.bucketdb.tools.StatCommandTest.assertBad;
import static org.junit.jupiter.api.Assertions.*;

class DemoAndHelpTest {
    @TempDir
    Path tmp;

    @Test
    void shouldRunTheDemoKillTheWriterRecoverAndShowEachGrowth() throws IOException {
        Path dir = tmp.resolve("demo");
        Cli.Result r = Cli.run("demo", "--keys", "30000", "--dir", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("growth: B 10 -> 11 by key "), r::toString);
        assertTrue(r.out().contains("growth at B=12 finished by key "), r::toString);
        assertTrue(r.out().contains("   SIGKILL to the writer (pid "), r::toString);
        Matcher acked = Pattern.compile("; its last report: [\\d,]+ keys put, .*?([\\d,]+) keys acknowledged\n").matcher(r.out());
        assertTrue(acked.find(), r::toString);
        assertTrue(r.out().contains("   reopened in "), r::toString);
        assertTrue(r.out().contains("acknowledged keys: " + acked.group(1) + " of " + acked.group(1) + " read back with the right value"), r::toString);
        assertTrue(r.out().contains("loaded 30,000 keys in "), r::toString);
        assertTrue(r.out().contains("reopened read-only in "), r::toString);
        assertTrue(r.out().contains("structure: sound (0 problems)"), r::toString);
        assertTrue(r.out().contains("keys: 30,000 of 30,000 read back with the right value"), r::toString);
        assertTrue(r.out().contains("6. the bucket holding key 42"), r::toString);
        assertTrue(r.out().contains(" 4207"), r::toString);
        assertTrue(r.out().contains("7. compact: delete every other key through the pipeline"), r::toString);
        assertTrue(r.out().contains("   deleted 15,000 keys in "), r::toString);
        Matcher compacted = Pattern.compile("compacted 15,000 entries in .*: B 13 -> (\\d+), table ([^,]+) -> ([^,]+), directory").matcher(r.out());
        assertTrue(compacted.find(), r::toString);
        assertEquals(12, Integer.parseInt(compacted.group(1)), "15,000 entries fit B=12 at 6.5 per bucket: " + r);
        assertTrue(r.out().contains("   reopened: all 15,000 remaining keys hold their values and the 15,000 deleted ones are gone"), r::toString);
        assertTrue(r.out().contains("summary: OK"), r::toString);
        assertTrue(Pattern.compile("compact   deleted 15,000 keys, then table \\S+ \\S+ -> \\S+ \\S+, directory \\S+ \\S+ -> \\S+ \\S+, "
                + "[\\d.]+ bytes per entry after \\([\\d.]+ with the journal\\), every key checked").matcher(r.out()).find(), r::toString);
        assertTrue(r.out().contains("growths   13 doublings (B 0 -> 13, seen in "), r::toString);
        assertTrue(r.out().contains("recovery  "), r::toString);
        assertTrue(r.out().contains(", every acknowledged key there"), r::toString);
        assertTrue(Files.exists(dir.resolve("table.bdb")), "--dir is kept");
        assertEquals(0, Cli.run("verify", dir.toString()).code());
        try (io.bucketdb.BucketDB db = io.bucketdb.BucketDB.open(dir, io.bucketdb.Options.defaults().withReadOnly(true))) {
            assertEquals(15_000, db.size(), "--dir keeps the compacted index");
            assertEquals(DemoCommand.value(4_242), db.getLong(4_242, -1));
            assertEquals(-1, db.getLong(4_243, -1));
        }
    }

    @Test
    void shouldDeleteItsTemporaryDirectory() {
        Cli.Result r = Cli.run("demo", "--keys", "1000");
        assertEquals(0, r.code(), r::toString);
        Matcher m = Pattern.compile("into (\\S+) \\(temporary\\)").matcher(r.out());
        assertTrue(m.find(), r::toString);
        assertFalse(Files.exists(Path.of(m.group(1))), "temporary index removed");
    }

    @Test
    void shouldRefuseToOverwriteAnIndex() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 10);
        assertBad(Cli.run("demo", "--keys", "100", "--dir", dir.toString()), 2, "already holds an index");
        assertBad(Cli.run("demo", "--keys", "0"), 2, "--keys must be at least 1");
        assertBad(Cli.run("demo", "--keys", "many"), 2, "Invalid value for option '--keys'");
    }

    @Test
    void shouldGiveHelpWithAnExampleForEveryCommand() {
        for (String cmd : new String[]{"stat", "dump", "verify", "recover", "compact", "export", "import", "demo", "crashtest"}) {
            Cli.Result r = Cli.run(cmd, "--help");
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.out().startsWith("Usage: bucketdb " + cmd), r::toString);
            assertTrue(r.out().contains("Example"), r::toString);
            assertTrue(r.out().contains("Exit codes: 0 "), r::toString);
        }
        Cli.Result top = Cli.run("--help");
        assertEquals(0, top.code());
        assertTrue(top.out().contains("./bucketdb demo"), top::toString);
    }

    /**
     * Every command's --help has an example and its exit codes, and the commands whose --format takes every {@link Format}
     * (dump, import: base64 and hex as well) say so in the option's own line, not only in the formats the help once named.
     */
    @Test
    void shouldNameEveryFormatACommandTakes() {
        for (String cmd : new String[]{"get", "put", "delete", "scan", "backup"}) {
            Cli.Result r = Cli.run(cmd, "--help");
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.out().contains("Example"), r::toString);
            assertTrue(r.out().contains("Exit codes: 0 "), r::toString);
        }
        for (String cmd : new String[]{"dump", "import", "export", "get"}) {
            String help = Cli.run(cmd, "--help").out().replaceAll("\\s+", " ");
            int at = help.indexOf("--format=FORMAT ");
            assertTrue(at >= 0, help);
            String line = help.substring(at, help.indexOf(" -", at + 16));
            for (Format f : Format.values()) {
                assertTrue(line.contains(f.label()), cmd + " --help: the --format line names no " + f.label() + ": " + line);
            }
        }
    }

    /** The commands that read through a read-only view take no lock, and scan and stat find no problems to exit 1 for. */
    @Test
    void readingCommandsListOnlyTheExitCodesTheyGive() {
        for (String cmd : new String[]{"get", "scan", "stat", "dump", "verify", "export", "backup"}) {
            String help = Cli.run(cmd, "--help").out().replaceAll("\\s+", " ");
            String codes = help.substring(help.indexOf("Exit codes: "));
            assertFalse(codes.contains("locked"), cmd + " takes no lock: " + codes);
            if (cmd.equals("scan") || cmd.equals("stat")) {
                assertFalse(codes.contains(" 1 "), cmd + " has no exit code 1: " + codes);
            }
        }
    }

    @Test
    void shouldRefuseAMissingOrUnknownCommand() {
        assertBad(Cli.run(), 2, "missing command");
        assertBad(Cli.run("compress"), 2, "Unmatched argument at index 0: 'compress'");
    }
}
