package io.bucketdb.engine;

import io.bucketdb.Recovery;
import io.bucketdb.recovery.Checkpointer;
import io.bucketdb.recovery.DamagePolicy;
import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.recovery.JournalReader;
import io.bucketdb.recovery.ReplayReport;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.InMemoryFile;
import io.bucketdb.storage.PageChecksums;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.VerifiedPages;
import io.bucketdb.table.GrowthMarkers;
import io.bucketdb.table.HashTable;
import io.bucketdb.table.JournalReplayer;
import io.bucketdb.table.UnreadPages;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A read-only view of an index, possibly one a writer in another process is changing: the last checkpoint image
 * plus the journal after it, replayed into memory, so it holds every write acknowledged before it was taken
 * (docs/DESIGN.md, "Threads"). Nothing is written to any file and no lock is taken.
 *
 * <h2>Taking a view (one moment of the writer)</h2>
 * <pre>
 *   1. read the checkpoint mark M (newest header generation, the checksum files' generations);
 *      if a writer holds the index and a checkpoint of it is under way, wait and start again
 *   2. copy the table file into memory                                     (InMemoryFile)
 *   3. finish a checkpoint a crash cut, in the copy (as recovery would, from the double-write file)
 *   4. open the copy as a table, checked against its checkpoint's page checksums
 *   5. replay the journal after the checkpoint LSN into the copy; a torn tail ends it, as in recovery
 *   6. read the mark again: equal to M, the view stands; else start again
 * </pre>
 * A checkpoint changes a checksum file before it writes a page of the table in place, and installs its header
 * last. So equal marks before step 2 and after step 5 mean no page changed under the copy, and the journal after
 * the copy's checkpoint was not recycled (that waits for a newer header): the view is the writer's state at the
 * last record replayed. The segments the writer recycles right after installing the header the copy holds are
 * below its checkpoint, so the replay skips their records; one that vanishes while the replay lists the journal
 * (a missing file) starts the view again. A live writer's append may race the replay's last read: the
 * half-written frame reads as a torn tail, or, read twice across the write, as damage; the replay then resumes
 * after the last record it delivered (see {@link #replay}). Without a writer, damage is reported as recovery
 * reports it.
 *
 * <h2>Refreshing</h2>
 * If the mark is unchanged, {@link #refresh} replays the journal from where the view stopped into the same
 * table, while readers go on: the table's own seqlock protocol makes each read see a state before or after each
 * replayed write, exactly as beside the writer's mutator. If a checkpoint was installed meanwhile, the view is
 * taken anew (the segments it was reading may be gone) and replaces the old one in one volatile write; readers
 * still on the old one finish on memory that stays valid until they drop it (InMemoryFile). Every read returns a
 * value as of the last open or refresh or later, never a state no moment of the writer had.
 *
 * <p>Cost: a view holds a copy of the table in memory (the table file's allocated size), taken anew after each
 * checkpoint the writer installs. Refresh and open are for one thread at a time (refresh is synchronized).
 */
public final class ReadOnlyView {
    /** How long a view waits for a live writer's checkpoint to finish before it gives up. */
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** How often damage that does not move beside a live writer is read again (after 2, 4, ... ms) before it is reported. */
    private static final int DAMAGE_REREADS = 6;

    /**
     * Checks a table file against what the caller asked for (key and value widths); throws to refuse it.
     */
    @FunctionalInterface
    public interface TableCheck {
        /**
         * Checks {@code file}.
         *
         * @param file the table, as the view is about to use it
         */
        void check(TableFile file);
    }

    /** Names the process holding the index's writer lock, or returns null if none does. */
    @FunctionalInterface
    public interface WriterProbe {
        /**
         * {@return the writer lock's holder, or null}
         *
         * @throws IOException if the lock file cannot be read
         */
        String holder() throws IOException;
    }

    /**
     * What a view shows: the table in memory and how it got there.
     *
     * @param file     the table file's copy, opened
     * @param table    the table over it
     * @param recovery what taking the view replayed (the checkpoint it started from, records, torn bytes)
     */
    public record Image(TableFile file, HashTable table, Recovery recovery) {
    }

    private final Path dir;
    private final Path tablePath;
    private final DurableIO io;
    private final JournalOptions journalOptions;
    private final int maxChunkShift;
    private final TableCheck check;
    private final WriterProbe writer;
    private volatile Image image;
    private volatile long lsn;
    /** The replay behind {@link #image}, continued by refreshes (guarded by this). */
    private Replay current;

    /**
     * One image's replay and how it continues. The table holds exactly the records up to {@link #readLsn} (those of a
     * batch still open wait in the replayer), also after a replay failed half-way, so a later refresh resumes right.
     */
    private static final class Replay {
        final CheckpointMark mark;
        final ViewIO io;
        final TableFile file;
        final HashTable table;
        final JournalReplayer replayer;
        final Checkpointer.Pending pending;
        final long checkpointLsn;
        long readLsn;
        long tornBytes;

        Replay(CheckpointMark mark, ViewIO io, TableFile file, HashTable table, JournalReplayer replayer,
               Checkpointer.Pending pending) {
            this.mark = mark;
            this.io = io;
            this.file = file;
            this.table = table;
            this.replayer = replayer;
            this.pending = pending;
            this.checkpointLsn = file.header().checkpointLsn;
            this.readLsn = checkpointLsn;
        }

        /** The last write the table shows: the records of a batch still open wait for its commit. */
        long visibleLsn() {
            return replayer.endedInsideBatch() ? replayer.openBatchLsn() - 1 : readLsn;
        }
    }

    private ReadOnlyView(Path dir, Path tablePath, DurableIO io, JournalOptions journalOptions, int maxChunkShift,
                         TableCheck check, WriterProbe writer) {
        this.dir = dir;
        this.tablePath = tablePath;
        this.io = io;
        this.journalOptions = journalOptions;
        this.maxChunkShift = maxChunkShift;
        this.check = check;
        this.writer = writer;
    }

    /**
     * Takes a view of the index in {@code dir}.
     *
     * @param dir            the index directory
     * @param tablePath      its table file
     * @param io             the durable I/O its files are read through
     * @param journalOptions the options its journal was written with
     * @param maxChunkShift  log2 of the largest chunk the table is mapped in
     * @param check          checks the table against the caller's options before it is used
     * @param writer         names the live writer, if any (it decides whether damage may be a racing append)
     * @return the view
     * @throws CorruptIndexException if a file is damaged, as an open for writing would find it
     * @throws IOException if a file cannot be read, or a live writer's checkpoints never left a minute's gap
     */
    public static ReadOnlyView open(Path dir, Path tablePath, DurableIO io, JournalOptions journalOptions, int maxChunkShift,
                                    TableCheck check, WriterProbe writer) throws IOException {
        ReadOnlyView v = new ReadOnlyView(dir, tablePath, io, journalOptions, maxChunkShift, check, writer);
        synchronized (v) {
            v.take();
        }
        return v;
    }

    /** {@return what the view shows now (a volatile read: a refresh may replace it)} */
    public Image image() {
        return image;
    }

    /** {@return the LSN of the last write the view shows} */
    public long lsn() {
        return lsn;
    }

    /**
     * Catches up with the writer: replays what the journal gained since the view was taken or last refreshed, or
     * takes the view anew if a checkpoint was installed meanwhile.
     *
     * @return the number of journal records by which the view moved forward
     * @throws CorruptIndexException if the journal is damaged
     * @throws IOException if a file cannot be read
     */
    public synchronized long refresh() throws IOException {
        long before = lsn;
        Replay r = current;
        if (CheckpointMark.read(io, dir, tablePath).equals(r.mark)) {
            try {
                replay(r);
                if (CheckpointMark.read(io, dir, tablePath).equals(r.mark)) {
                    publish(r);
                    return lsn - before;
                }
            } catch (IOException | RuntimeException e) {
                // Damage with no writer to explain it, or a failure while nothing moved: real. Else a segment was
                // recycled under the replay (a missing file: recycling follows the header at once, so the mark may
                // not show it yet; or a frame of another segment's life) or a live append was read half-written.
                boolean moved = !CheckpointMark.read(io, dir, tablePath).equals(r.mark);
                if (!moved && !(e instanceof NoSuchFileException) && !(e instanceof CorruptIndexException && writerHolds())) {
                    throw e;
                }
            }
            // A checkpoint was installed while the replay read (its segments may have been recycled under it), or a
            // live writer's append read as damage: what the table holds is still a true prefix (each record was read
            // whole, in LSN order), but take the view anew rather than trust the rest.
        }
        take();
        return Math.max(0, lsn - before);
    }

    /** Takes the view anew (see the class comment): steps 1 to 6, again until the marks agree. */
    private void take() throws IOException {
        long deadline = System.nanoTime() + PATIENCE_NANOS;
        int damageReads = 0;
        for (int attempt = 0; ; attempt++) {
            if (attempt > 0) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("no consistent view of " + dir + " in " + TimeUnit.NANOSECONDS.toSeconds(PATIENCE_NANOS)
                            + " s: the writer holding it (" + writer.holder() + ") was checkpointing every time it was read");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(50, 1L << Math.min(attempt, 6))));
            }
            CheckpointMark before = CheckpointMark.read(io, dir, tablePath);
            boolean writer = writerHolds();
            if (writer && before.checkpointUnfinished()) {
                continue; // the writer is writing pages in place: wait until its header is installed
            }
            Replay taken;
            try {
                taken = takeAt(before);
            } catch (CorruptIndexException e) {
                boolean moved = !CheckpointMark.read(io, dir, tablePath).equals(before);
                if (!moved && !(writer && ++damageReads <= DAMAGE_REREADS)) {
                    throw e;
                }
                continue;
            } catch (IOException | RuntimeException e) {
                // A segment that vanished was recycled: the writer does that right after it installs a header, so
                // the mark may not have moved yet. Else, if the files changed under the copy, what failed read a
                // torn moment. Either way, take the view again.
                if (!(e instanceof NoSuchFileException) && CheckpointMark.read(io, dir, tablePath).equals(before)) {
                    throw e;
                }
                continue;
            }
            if (CheckpointMark.read(io, dir, tablePath).equals(before)) {
                publish(taken);
                return;
            }
        }
    }

    /** Makes {@code r} what the view shows: one volatile write of the image, then the LSN. */
    private void publish(Replay r) {
        current = r;
        image = new Image(r.file, r.table, new Recovery(r.pending.finished(), r.pending.pages(), r.replayer.applied(),
                r.replayer.markersChecked(), r.replayer.idleSteps(), r.tornBytes, 0, r.replayer.endedInsideBatch(), r.checkpointLsn, r.visibleLsn(), false));
        lsn = r.visibleLsn();
    }

    private Replay takeAt(CheckpointMark before) throws IOException {
        InMemoryFile copy;
        try (DurableFile real = io.open(tablePath, DurableIO.Mode.READ_ONLY)) {
            copy = InMemoryFile.copyOf(real);
        }
        ViewIO vio = new ViewIO(io, tablePath, copy);
        Checkpointer.Pending pending = Checkpointer.finishPendingInCopy(vio, dir, tablePath);
        TableFile file = TableFile.open(vio, tablePath, false, maxChunkShift);
        try {
            zeroPastAllocationEnd(copy, file.header());
            check.check(file);
            file.verifyPages(verifiedPages(file, vio));
            // As the writer's open does (issue 19): the pages no get reads are settled, so the view's gets skip their page
            // check once they have read the bucket array, not never. Before the replay and before any reader.
            UnreadPages.settle(file);
            GrowthMarkers markers = new GrowthMarkers();
            HashTable table = HashTable.open(file, markers);
            Replay r = new Replay(before, vio, file, table, new JournalReplayer(table, markers, dir), pending);
            replay(r);
            return r;
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Zeroes the copy past the allocation end of an uncleanly closed file, as a writer's open cuts the file there
     * ({@code TableFile.openForWriter}): a checkpoint writes the pages past the installed allocation end once, in place,
     * before it installs its header (Checkpointer), so a copy taken meanwhile, or after a crash cut that checkpoint,
     * holds bytes there that are not the image's, and replay takes space from there expecting zeros. Only the copy
     * changes.
     */
    private static void zeroPastAllocationEnd(InMemoryFile copy, Header h) throws IOException {
        long size = copy.size();
        if (h.cleanClose || size <= h.fileEnd) {
            return;
        }
        ByteBuffer zeros = ByteBuffer.allocate(1 << 16);
        for (long at = h.fileEnd; at < size; ) {
            int n = (int) Math.min(zeros.capacity(), size - at);
            copy.write(at, zeros.clear().limit(n));
            at += n;
        }
    }

    /** The checkpoint's page checksums check each page on its first read; without a readable file, none are checked. */
    private VerifiedPages verifiedPages(TableFile file, DurableIO vio) throws IOException {
        try {
            // No directory: the copy never changes under the view, so a mismatch is damage, never the writer's page.
            return VerifiedPages.of(file, PageChecksums.load(io, dir, file.header().generation), null, vio);
        } catch (CorruptIndexException lost) {
            return VerifiedPages.NONE;
        }
    }

    /**
     * Replays the journal after {@code afterLsn} into the table. Beside a live writer, the frame the writer is
     * appending can read as damage: the scan finds it incomplete, looks further and finds it complete (the scan's
     * two reads straddled the write), which in a dead writer's journal would mean damage. Every write acknowledged
     * before this replay began lies before that frame, complete. So the replay resumes after the last record it
     * delivered and reads the frame again; only damage that stays where it is across {@link #DAMAGE_REREADS}
     * pauses (or any damage without a writer) is reported.
     */
    private void replay(Replay r) throws IOException {
        JournalReader reader = new JournalReader(r.io, dir, journalOptions, !r.file.header().cleanClose);
        int stuck = 0;
        for (; ; ) {
            long from = r.readLsn;
            try {
                ReplayReport report = reader.replay(from, DamagePolicy.FAIL, (lsn, record) -> {
                    r.replayer.accept(lsn, record);
                    r.readLsn = lsn;
                });
                r.tornBytes = report.tornBytes();
                return;
            } catch (CorruptIndexException e) {
                stuck = r.readLsn > from ? 0 : stuck + 1;
                if (writer.holder() == null || stuck > DAMAGE_REREADS) {
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1L << stuck));
            }
        }
    }

    private boolean writerHolds() throws IOException {
        return writer.holder() != null;
    }
}
