package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.inspect.Problem;
import io.bucketdb.recovery.JournalCheck;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.IndexFileNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bucketdb verify DIR}: the inspector's full structural check. Problems go to stdout, one
 * per line (file @ offset: expected …, found …), so scripts can read them; the verdict goes to stderr.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check an index's structure: every key in the bucket its hash selects, tophash bytes, no key twice, "
                + "counts, no overflow bucket reachable twice, no chain cycles, growth state, free space accounted, both header slots; "
                + "every data page against the CRC32C its checkpoint recorded, so one flipped byte anywhere in them is found; "
                + "and the journal after the checkpoint as opening the index reads it: every segment header and every "
                + "record frame's length, type, LSN and CRC32C. Then the read-only view (the image plus the journal after it, "
                + "replayed in memory as recovery does): every entry its iteration yields is found by a lookup with the same "
                + "value, and the iteration yields size() entries; a view that cannot be opened is a problem too.",
                "A torn journal tail (bytes after the last force with nothing valid after them: what a crash leaves) "
                        + "is not a problem: it is printed as a note on stderr with the bytes an open would drop, and the exit code stays 0. "
                        + "Neither is a damaged journal record at or below the checkpoint LSN, which no replay needs: a note too.",
                "A staging directory beside DIR (.DIR.bucketdb-new) is not a problem either: a note on stderr gives its size "
                        + "and how it goes away.",
                "Prints one line per problem (file @ offset: expected ..., found ...). Works on a live index: if a writer "
                        + "wrote a newer image while it ran, it checks again."},
        footer = {"%nExample:%n  bucketdb verify /data/idx && echo sound",
                "%nExit codes: 0 sound, 1 problems found (listed on stdout), 2 usage error, 3 I/O error (missing or unreadable index)."})
final class VerifyCommand implements Callable<Integer> {
    /** The note when the view's open stops at damage the image check listed. */
    static final String NO_VIEW = "the read-only view cannot be opened: replaying stops at the damage listed";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The index directory.")
    Path dir;

    /** The journal verdict {@link IndexInspector#verify} reached (read once); null if the journal could not be read. */
    private static JournalCheck journalChecked(IndexInspector in) {
        try {
            return in.journalCheck();
        } catch (IOException e) {
            return null; // verify listed it as a problem
        }
    }

    /**
     * The problems of the replayed view ({@link ViewCheck}), or the one line that says it could not be opened; a
     * failure the image check already listed (the same damage, reached by the view's open) is not listed twice.
     */
    private List<String> viewProblems(BucketDB view, Exception failure, List<Problem> imageProblems) {
        java.util.function.Predicate<CorruptIndexException> listed = c -> imageProblems.stream()
                .anyMatch(p -> p.file().equals(c.file()) && p.offset() == c.offset());
        if (view != null) {
            return ViewCheck.problems(view, dir + " (read-only view as of LSN " + view.lsn() + ")", listed);
        }
        CorruptIndexException c = ViewCheck.corruption(failure);
        if (c != null && listed.test(c)) {
            // Not a second problem, but said, as stat and dump say it: there is no view line.
            spec.commandLine().getErr().println(spec.qualifiedName() + ": note: " + NO_VIEW);
            return List.of();
        }
        return List.of(dir + " (read-only view): expected a view that replays the journal after the checkpoint as recovery does, "
                + "found it cannot be opened: " + failure.getMessage());
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BucketDB view = null;
        Exception viewFailure = null;
        try {
            view = Views.open(dir);
            ViewLine.print(err, dir, view);
        } catch (IOException | RuntimeException e) {
            viewFailure = e; // a missing index is reported by the inspector's open below, as before
        }
        try {
            return verify(out, err, view, viewFailure);
        } finally {
            if (view != null) {
                view.close();
            }
        }
    }

    private int verify(PrintWriter out, PrintWriter err, BucketDB view, Exception viewFailure) throws IOException {
        List<Problem> problems;
        Header h = null;
        JournalCheck journal = null;
        boolean changing = false;
        Views.Rereads rereads = new Views.Rereads(dir); // a live writer may write a new image while we read
        while (true) {
            try (IndexInspector in = Views.inspect(dir)) {
                h = in.header();
                Progress bar = new Progress(err, Progress.onTerminal(), "verify", in.bucketsToWalk(), "buckets");
                problems = in.verify(bar::update);
                bar.finish();
                journal = journalChecked(in);
                changing = !problems.isEmpty() && in.changedOnDisk();
                if (!changing || !rereads.another()) {
                    break;
                }
            } catch (CorruptIndexException e) {
                problems = List.of(Problem.of(e));
                break;
            }
        }
        List<String> viewProblems = viewProblems(view, viewFailure, problems);
        for (Problem p : problems) {
            out.println(p);
        }
        viewProblems.forEach(out::println);
        out.flush();
        int count = problems.size() + viewProblems.size();
        String name = spec.qualifiedName();
        if (journal != null && journal.tornBytes() > 0) {
            // What a crash normally leaves: not damage, so it does not change the exit code.
            err.println(name + ": note: " + journal.tornFile() + " @ " + journal.tornOffset() + ": a torn journal tail of "
                    + Text.count(journal.tornBytes()) + " bytes after the last valid record (LSN " + journal.lastLsn()
                    + "), as a crash leaves unforced writes; opening the index drops those " + Text.count(journal.tornBytes())
                    + " bytes and keeps every record before them");
        }
        if (journal != null && journal.coveredDamage() != null) {
            // Damage at rest, but to records the checkpoint already holds: an open skips them, so it is not a
            // reason to refuse the index (the segment is recycled once the journal moves past it).
            err.println(name + ": note: " + Problem.of(journal.coveredDamage()) + "; the checkpoint covers that record,"
                    + " so no replay needs it: opening the index skips it and replays the intact records after it");
        }
        // Not damage (the index does not use it): said so that the space it takes is seen.
        LeftoverLine.describe(dir).ifPresent(l -> err.println(name + ": note: " + l));
        if (count == 0) {
            err.println(name + ": " + dir + " is sound: " + Text.count(h.count) + " entries, B=" + h.b
                    + (h.growing() ? ", growth in progress" : "") + "; the view as of LSN " + view.lsn() + ": "
                    + Text.count(view.size()) + " entries, each found by a lookup");
            err.flush();
            return Exit.OK;
        }
        if (changing) {
            // Still changing after the retries: a checkpoint is writing pages in place right now, or a crash
            // interrupted one. Its pages then differ from the image the header describes, until it is finished.
            err.println(name + ": note: a checkpoint newer than the header read is being written in place, or was "
                    + "interrupted by a crash (its pages are in " + IndexFileNames.DOUBLE_WRITE + "): page problems above may be its pages. "
                    + "If no writer has the index open, `bucketdb recover " + dir + "` finishes that checkpoint; then verify again");
        }
        err.println(name + ": " + count + (count == 1 ? " problem" : " problems") + " found in " + dir);
        err.flush();
        return Exit.PROBLEMS;
    }
}
