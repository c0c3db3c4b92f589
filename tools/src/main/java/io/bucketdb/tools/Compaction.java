package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Cursor;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.engine.StagedIndex;
import io.bucketdb.inspect.IndexFiles;
import io.bucketdb.inspect.IndexInspector;

import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.TableGeometry;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One compaction: copies every entry of an index into a new index sized for its count
 * ({@link Options#withExpectedEntries}: no growth while loading, so no old arrays, free space or
 * overflow chains left by deletes), checks the copy entry by entry against the source, and puts
 * it in place through {@link StagedIndex}, whose Javadoc has the rename protocol and what a crash
 * at each step leaves. The source stays locked from before it is read until the swap is done.
 */
final class Compaction {
    /** What the compaction did; byte counts are whole directories unless named table. */
    record Result(long entries, int oldB, int newB, long tableBefore, long tableAfter, long journalBefore, long journalAfter,
                  long dirBefore, long dirAfter, long checkNanos) {
    }

    private static final int PROGRESS_EVERY = 4096;

    private final Path dir;
    private final Path target;
    private final PrintWriter err;
    private final boolean progress;
    private final DurableIO io;
    private Interruptible guard = Interruptible.none();

    /**
     * @param target where the compacted index goes: {@code dir} itself to replace it, else a new directory
     * @param progress whether to draw progress bars on {@code err}
     */
    Compaction(Path dir, Path target, PrintWriter err, boolean progress) {
        this(dir, target, err, progress, FileDurableIO.INSTANCE);
    }

    /** With every durable change made through {@code io} (a crash simulator in tests). */
    Compaction(Path dir, Path target, PrintWriter err, boolean progress, DurableIO io) {
        this.dir = dir;
        this.target = target;
        this.err = err;
        this.progress = progress;
        this.io = io;
    }

    /** Lets a Ctrl-C close what the compaction has open (the source, the copy, the unfinished build); returns this. */
    Compaction closingOn(Interruptible interrupt) {
        this.guard = interrupt;
        return this;
    }

    /**
     * Builds the copy, checks it and swaps it in.
     *
     * @throws CliException if the disk is full (ENOSPC): the copy needs space, and the source is unchanged
     */
    Result run() throws IOException {
        try {
            return compact();
        } catch (IOException | java.io.UncheckedIOException e) {
            if (diskFull(e)) {
                throw new CliException(Exit.IO, "compact needs free space on the disk of "
                        + target.toAbsolutePath().getParent() + " to build the compacted copy (about the size of the"
                        + " entries, before the old index is removed), and the disk is full (" + rootMessage(e)
                        + "): free some space and run it again; " + dir + " is unchanged and opens as before");
            }
            throw e;
        }
    }

    /** Whether {@code e} or a cause is the file system's "no space left" (ENOSPC), in the JDK's or libc's words. */
    static boolean diskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().toLowerCase(java.util.Locale.ROOT).contains("no space left on device")) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    private Result compact() throws IOException {
        IndexFiles before = IndexFiles.of(dir);
        int alignShift;
        try (IndexInspector in = IndexInspector.open(dir)) {
            alignShift = in.header().alignShift; // a creation choice of the user's; the rebuild keeps it
        }
        long entries;
        int oldB;
        int newB;
        long checkNanos;
        try (StagedIndex staged = guard.atomically(() -> guard.add(StagedIndex.begin(dir, target, io)))) {
            // Nothing is written to the source; ASYNC only keeps its open (and recovery's checkpoint) cheap.
            Options base = Options.defaults().withDurability(Durability.ASYNC).withDurableIO(io);
            try (BucketDB src = guard.atomically(() -> guard.add(staged.openSource(base)))) {
                entries = src.size();
                oldB = src.growth().b();
                Options sized = base.withWidthsOf(src)
                        .withChunking(alignShift, Math.max(TableGeometry.DEFAULT_MAX_CHUNK_SHIFT, alignShift))
                        .withExpectedEntries(entries)
                        // Segments the load fills are recycled by its checkpoints; keeping them as spares would
                        // leave the new index with the preallocated journal space a compaction is meant to drop.
                        .withSpareJournalSegments(0);
                try (BucketDB dst = guard.atomically(() -> guard.add(staged.create(sized)))) {
                    copy(src, dst, entries);
                    newB = dst.growth().b();
                    guard.remove(dst);
                } // close checkpoints: the table file alone holds every entry
                long t = System.nanoTime();
                check(src, staged.directory(), entries);
                checkNanos = System.nanoTime() - t;
                guard.remove(src);
            }
            // The renames that swap the copy in are never cut by the hook: it runs before them or finds nothing to close.
            guard.atomically(() -> {
                staged.commit();
                guard.remove(staged);
                return null;
            });
        }
        IndexFiles after = IndexFiles.of(target);
        return new Result(entries, oldB, newB, before.table(), after.table(), before.journal(), after.journal(), before.total(),
                after.total(), checkNanos);
    }

    private void copy(BucketDB src, BucketDB dst, long entries) {
        WindowedLoader.copyAll(src, dst, new Progress(err, progress, "compact: copying", entries, "entries"));
    }

    /** Every entry of the source, with its value, in the copy, and nothing more; else nothing is replaced. */
    private void check(BucketDB src, Path copyDir, long entries) throws IOException {
        Progress bar = new Progress(err, progress, "compact: checking", entries, "entries");
        Format show = Format.displayDefault(src.keyWidth(), src.valueWidth());
        boolean longs = src.keyWidth() == 8 && src.valueWidth() == 8;
        try (BucketDB copy = BucketDB.open(copyDir, Options.defaults().withReadOnly(true))) {
            if (copy.size() != entries) {
                throw differs("it holds " + Text.count(copy.size()) + " entries, the source " + Text.count(entries));
            }
            Cursor c = src.cursor();
            long n = 0;
            while (c.next()) {
                if (longs) {
                    long k = c.keyLong();
                    long v = c.valueLong();
                    long found = copy.getLong(k, ~v);
                    if (found != v) {
                        throw differs("key " + k + " maps to " + v + " in the source but " + (found == ~v ? "is missing" : "to " + found));
                    }
                } else {
                    byte[] k = c.key();
                    byte[] v = c.value();
                    byte[] found = copy.get(k);
                    if (!Arrays.equals(found, v)) {
                        throw differs("key " + show.text(k) + " maps to " + show.text(v) + " in the source but "
                                + (found == null ? "is missing" : "to " + show.text(found)));
                    }
                }
                if (++n % PROGRESS_EVERY == 0) {
                    bar.update(n);
                }
            }
            if (n != entries) {
                throw differs("the source's cursor returned " + Text.count(n) + " of its " + Text.count(entries) + " entries");
            }
        } finally {
            bar.finish();
        }
    }

    private CliException differs(String what) {
        return new CliException(Exit.PROBLEMS, "the rebuilt index does not match " + dir + ": " + what + "; nothing was replaced");
    }
}
