package io.bucketdb.tools;

import io.bucketdb.engine.StagedIndex;
import io.bucketdb.storage.IndexFileNames;
import org.apache.commons.io.file.PathUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code bucketdb compact DIR [--to OUT]}: rebuilds an index at the smallest size that holds its
 * entries ({@link Compaction}) and swaps it in by renames ({@link io.bucketdb.engine.StagedIndex}), so a
 * crash leaves DIR holding the old index or the new one, never neither.
 */
@Command(name = "compact", mixinStandardHelpOptions = true,
        description = {"Rebuild an index at the smallest size that holds its entries: the B the table reaches by growing to its "
                + "count (6.5 entries per 8-slot bucket), without free space, old bucket arrays, overflow chains left by deletes, "
                + "or stale journal. Reports entries, B and bytes before and after.",
                "The new index is written beside DIR (in .DIR" + IndexFileNames.STAGING_SUFFIX + "), checked entry by entry against DIR, then renamed "
                        + "into place: a crash at any moment leaves DIR holding either the old or the new index. What an "
                        + "interrupted compaction left is finished or removed by the next compaction or the next writing open.",
                "With --to OUT the compacted copy goes to OUT (new or empty) and DIR keeps its contents (a crashed DIR is "
                        + "recovered first, as any writing open does).",
                "Takes the writer lock: refuses an index another process has open for writing. Ctrl-C closes the indexes cleanly, "
                        + "removes the unfinished copy and leaves DIR unchanged (after the swap has begun, it finishes first). "
                        + "Shows progress on a terminal only."},
        footer = {"%nExamples:%n  bucketdb compact /data/idx%n  bucketdb compact /data/idx --to /backup/idx-compact", Exit.FOOTER})
final class CompactCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The index directory.")
    Path dir;

    @Option(names = "--to", paramLabel = "OUT", description = "Write the compacted index to OUT (new or empty) and leave DIR as it is.")
    Path to;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.exists(dir.resolve(IndexFileNames.TABLE)) && StagedIndex.finishInterrupted(dir) && to == null) {
            // The index that compaction built is in place now: that was the compaction asked for.
            out.println(dir + ": finished an interrupted compaction; the compacted index is in place");
            out.flush();
            return Exit.OK;
        }
        if (!Files.isDirectory(dir)) {
            throw new CliException(Exit.IO, dir + (Files.exists(dir) ? " is not a directory: an index is a directory" : ": no such index directory"));
        }
        if (!Files.exists(dir.resolve(IndexFileNames.TABLE))) {
            throw new CliException(Exit.IO, dir + " is not an index: " + IndexFileNames.TABLE + " is missing");
        }
        Path target = dir;
        if (to != null) {
            Path d = dir.toAbsolutePath().normalize();
            Path o = to.toAbsolutePath().normalize();
            if (o.startsWith(d) || d.startsWith(o)) {
                throw CliException.usage("--to " + to + " must be outside " + dir + " (and not contain it)");
            }
            if (Files.exists(to) && !(Files.isDirectory(to) && PathUtils.isEmptyDirectory(to))) {
                throw CliException.usage("--to " + to + " already exists; give a new or empty directory");
            }
            target = to;
        }
        Compaction.Result r;
        try (Interruptible guard = Interruptible.install(spec.commandLine().getErr(), spec.qualifiedName(),
                dir + " is unchanged" + (to != null ? " and " + to + " was not created" : ""))) {
            try {
                r = new Compaction(dir, target, spec.commandLine().getErr(), Progress.onTerminal()).closingOn(guard).run();
            } catch (IOException | RuntimeException e) {
                if (guard.interrupted()) {
                    throw guard.stopped();
                }
                throw e;
            }
        }
        Text.Columns t = new Text.Columns();
        t.row("entries", Text.count(r.entries()) + ", checked key by key in " + secs(r.checkNanos()));
        t.row("buckets", "B " + r.oldB() + " -> " + r.newB() + " (" + Text.count(1L << r.oldB()) + " -> " + Text.count(1L << r.newB())
                + ", load factor " + String.format(Locale.ROOT, "%.2f", (double) r.entries() / (1L << r.newB())) + ")");
        t.row("table", Text.bytes(r.tableBefore()) + " -> " + Text.bytes(r.tableAfter()) + change(r.tableBefore(), r.tableAfter()));
        t.row("journal", Text.bytes(r.journalBefore()) + " -> " + Text.bytes(r.journalAfter()) + " (segments grow with use while open; a clean close leaves one header-only segment)");
        t.row("directory", Text.bytes(r.dirBefore()) + " -> " + Text.bytes(r.dirAfter()) + change(r.dirBefore(), r.dirAfter())
                + " (every file: table, journal, page checksums, double-write)");
        out.println(to == null ? "compacted " + dir : "compacted " + dir + " into " + to + " (" + dir + " unchanged)");
        t.lines("  ").forEach(out::println);
        out.flush();
        return Exit.OK;
    }

    private static String change(long before, long after) {
        if (before == 0) {
            return "";
        }
        long pct = Math.round(100.0 * (after - before) / before);
        return " (" + (pct > 0 ? "+" : "") + pct + "%)";
    }

    private static String secs(long nanos) {
        double s = nanos / 1e9;
        return s < 1 ? String.format(Locale.ROOT, "%.0f ms", s * 1000) : String.format(Locale.ROOT, "%.1f s", s);
    }
}
