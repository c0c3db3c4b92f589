package io.bucketdb.tools;

import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.inspect.Problem;
import io.bucketdb.storage.CorruptIndexException;
import io.bucketdb.storage.Header;
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
                + "and every data page against the CRC32C its checkpoint recorded, so one flipped byte anywhere in them is found.",
                "Prints one line per problem (file @ offset: expected ..., found ...). Works on a live index: if a writer "
                        + "wrote a newer image while it ran, it checks again."},
        footer = {"%nExample:%n  bucketdb verify /data/idx && echo sound",
                "%nExit codes: 0 sound, 1 problems found (listed on stdout), 2 usage error, 3 I/O error (missing or unreadable index)."})
final class VerifyCommand implements Callable<Integer> {
    /** A live writer may write a new image while we read; after this many tries the problems stand. */
    private static final int ATTEMPTS = 3;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The index directory.")
    Path dir;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Problem> problems;
        Header h = null;
        int attempt = 0;
        while (true) {
            try (IndexInspector in = IndexInspector.open(dir)) {
                h = in.header();
                problems = in.verify();
                if (problems.isEmpty() || !in.changedOnDisk() || ++attempt == ATTEMPTS) {
                    break;
                }
            } catch (CorruptIndexException e) {
                problems = List.of(Problem.of(e));
                break;
            }
        }
        for (Problem p : problems) {
            out.println(p);
        }
        out.flush();
        String name = spec.qualifiedName();
        if (problems.isEmpty()) {
            err.println(name + ": " + dir + " is sound: " + Text.count(h.count) + " entries, B=" + h.b
                    + (h.growing() ? ", growth in progress" : ""));
            err.flush();
            return Exit.OK;
        }
        err.println(name + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems") + " found in " + dir);
        err.flush();
        return Exit.PROBLEMS;
    }
}
