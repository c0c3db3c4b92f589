package io.bucketdb.inspect;

import io.bucketdb.table.PieceDirectory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The problems one {@code verify} run found, in order of discovery, capped at {@link #MAX_PROBLEMS}:
 * a file of random bytes would otherwise list millions, and a thousand describe any real damage.
 */
final class ProblemList implements PieceDirectory.Findings<RuntimeException> {
    /** Enough to describe any real damage; a file of random bytes would otherwise list millions. */
    static final int MAX_PROBLEMS = 1000;

    private final Path file;
    private final List<Problem> problems = new ArrayList<>();
    private long suppressed;

    ProblemList(Path file) {
        this.file = file;
    }

    /** Adds a problem at {@code offset} of the table file. */
    void report(long offset, String expected, String found) {
        add(new Problem(file, offset, expected, found));
    }

    void add(Problem p) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(p);
        } else {
            suppressed++;
        }
    }

    /** A piece directory's damage is a problem; the verifier goes on reading. */
    @Override
    public void damage(long offset, String expected, String found) {
        report(offset, expected, found);
    }

    /** So is a reserved field that is not zero. */
    @Override
    public void oddity(long offset, String expected, String found) {
        report(offset, expected, found);
    }

    /** The problems, with a last one saying how many were left out. */
    List<Problem> finish() {
        List<Problem> out = new ArrayList<>(problems);
        if (suppressed > 0) {
            out.add(new Problem(file, 0, "at most " + MAX_PROBLEMS + " problems listed", suppressed + " more not listed"));
        }
        return List.copyOf(out);
    }
}
