package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Cursor;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.engine.StagedIndex;
import io.bucketdb.inspect.IndexFiles;
import io.bucketdb.storage.TableGeometry;
import org.apache.commons.io.file.PathUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * {@code bucketdb backup DIR DEST}: a consistent copy of an index, also while a writer runs, as {@code mdb_copy} and
 * RocksDB's checkpoints make one. It reads the read-only view (no lock, nothing written to DIR), which holds every
 * write acknowledged before it was opened and never mixes two moments of the writer; builds a new index of the same
 * shape, hash seed and chunk alignment beside DEST ({@link StagedIndex}), sized for the view's entries; copies every
 * entry; closes it (a checkpoint: the table file alone holds every entry); checks it entry by entry against the view;
 * and only then renames it to DEST. A failure or Ctrl-C at any moment leaves no DEST.
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = {"Copy the index in DIR to a new index DEST: the same entries, the same shape (key and value widths or "
                + "variable lengths with their inline widths), the same hash seed and chunk alignment, without free space, "
                + "overflow chains left by deletes or journal.",
                "Works while a writer runs: it reads the read-only view of DIR (stderr says which LSN it shows), which holds every "
                        + "write acknowledged before the backup began, and takes no lock. DEST must not exist or be an empty "
                        + "directory; the copy is built beside it (in .DEST.bucketdb-new), checked entry by entry, and renamed "
                        + "to DEST only when complete: a failure or Ctrl-C leaves no DEST.",
                "Shows progress on a terminal only."},
        footer = {"%nExamples:%n  bucketdb backup /data/idx /backup/idx-2026-12-06%n"
                + "  bucketdb backup /data/idx /backup/idx && bucketdb verify /backup/idx",
                "%nExit codes: 0 success, 1 the copy did not match the index (no DEST was created), 2 usage error, 3 I/O error "
                        + "(missing, unreadable or damaged index; DEST that cannot be written)."})
final class BackupCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The index directory to copy.")
    Path dir;

    @Parameters(index = "1", paramLabel = "DEST", description = "Where the copy goes: a new or empty directory.")
    Path dest;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        IndexChoices choices = IndexChoices.of(dir);
        Path d = dir.toAbsolutePath().normalize();
        Path o = dest.toAbsolutePath().normalize();
        if (o.startsWith(d) || d.startsWith(o)) {
            throw CliException.usage("DEST " + dest + " must be outside " + dir + " (and not contain it)");
        }
        if (Files.exists(dest) && !(Files.isDirectory(dest) && PathUtils.isEmptyDirectory(dest))) {
            throw CliException.usage("DEST " + dest + " already exists and is not an empty directory; give a new or empty directory");
        }
        long entries;
        long lsn;
        try (Interruptible guard = Interruptible.install(err, spec.qualifiedName(), dest + " was not created, " + dir + " is unchanged");
             BucketDB view = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            ViewLine.print(err, dir, view);
            entries = view.size();
            lsn = view.lsn();
            StagedIndex staged = guard.atomically(() -> guard.add(StagedIndex.begin(null, dest)));
            try {
                Options sized = Options.defaults().withDurability(Durability.ASYNC).withWidthsOf(view)
                        .withMaxLengths(view.maxKeyLength(), view.maxValueLength())
                        .withHashSeed(choices.hashSeed())
                        .withChunking(choices.alignShift(), Math.max(TableGeometry.DEFAULT_MAX_CHUNK_SHIFT, choices.alignShift()))
                        .withExpectedEntries(entries)
                        // Spare segments would leave the copy with preallocated journal space it never needs.
                        .withSpareJournalSegments(0);
                BucketDB copy = guard.atomically(() -> guard.add(staged.create(sized)));
                try {
                    copy(view, copy, entries);
                } finally {
                    guard.remove(copy);
                    copy.close(); // a checkpoint: the copy's table file alone holds every entry
                }
                check(view, staged.directory(), entries);
                guard.atomically(() -> {
                    staged.commit();
                    guard.remove(staged);
                    return null;
                });
            } catch (IOException | RuntimeException e) {
                if (guard.interrupted()) {
                    throw guard.stopped();
                }
                throw e;
            } finally {
                staged.close(); // after a commit, nothing; else removes the unfinished copy
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("backed up " + Text.count(entries) + " entries of " + dir + " as of LSN " + lsn + " to " + dest + " ("
                + Text.bytes(IndexFiles.of(dest).total()) + ")");
        out.flush();
        return Exit.OK;
    }

    private void copy(BucketDB src, BucketDB dst, long entries) {
        WindowedLoader.copyAll(src, dst, new Progress(spec.commandLine().getErr(), Progress.onTerminal(), "backup: copying", entries, "entries"));
    }

    /** Every entry of the view, with its value, in the copy, and nothing more; else DEST is not created. */
    private void check(BucketDB src, Path copyDir, long entries) throws IOException {
        Format show = Format.displayDefault(src.keyWidth(), src.valueWidth());
        try (BucketDB copy = BucketDB.open(copyDir, Options.defaults().withReadOnly(true))) {
            if (copy.size() != entries) {
                throw differs("it holds " + Text.count(copy.size()) + " entries, the view of " + dir + " " + Text.count(entries));
            }
            Cursor c = src.cursor();
            long n = 0;
            while (c.next()) {
                byte[] k = c.key();
                byte[] v = c.value();
                byte[] found = copy.get(k);
                if (!Arrays.equals(found, v)) {
                    throw differs("key " + show.text(k) + " maps to " + show.text(v) + " in " + dir + " but "
                            + (found == null ? "is missing" : "to " + show.text(found)));
                }
                n++;
            }
            if (n != entries) {
                throw differs("the view's cursor returned " + Text.count(n) + " of its " + Text.count(entries) + " entries");
            }
        }
    }

    private CliException differs(String what) {
        return new CliException(Exit.PROBLEMS, "the copy does not match " + dir + ": " + what + "; " + dest + " was not created");
    }
}
