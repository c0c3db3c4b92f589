package io.bucketdb.recovery;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.PageChecksums;
import io.bucketdb.storage.PageChecksumsLayout;
import io.bucketdb.storage.PageSnapshot;
import io.bucketdb.storage.SnapshotCopyBlocks;
import io.bucketdb.storage.TableFile;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static io.bucketdb.recovery.DoubleWriteLayout.*;

/**
 * Makes the table file match the table at a journal LSN (docs/DESIGN.md, "Checkpoints"): the pages
 * dirtied since the last checkpoint go to the double-write file (forced), then in place (forced),
 * then the header with the checkpoint LSN and the next generation goes to the other slot
 * (forced). Only after that may journal segments at or below the LSN be recycled. Dirty pages past the
 * allocation end of the header in force are written once, in place, and forced first (see {@code doubled}):
 * the installed image has nothing there to protect.
 *
 * <p>A checkpoint has three parts, so that the writer is not held while it writes:
 * <ol>
 *   <li>{@link #begin} (writer thread, at a batch end where everything journaled is applied): takes
 *       the header image and hands the dirty set to a lazy {@link PageSnapshot};</li>
 *   <li>{@link Checkpoint#run} (the checkpoint thread, or the writer itself when it has to wait
 *       anyway): copies each page out of the snapshot and does all the I/O, then, if the table's private
 *       pages exceed the limit, releases the private copies of pages the writer has not changed since
 *       ({@code madvise(MADV_DONTNEED)}), as many as the excess;</li>
 *   <li>{@link Checkpoint#finish} (writer thread): makes the new header the live one's generation
 *       and ends the snapshot; the caller then recycles the journal.</li>
 * </ol>
 * Meanwhile the writer keeps applying batches; the first change to a page the checkpoint has not
 * copied yet copies it first (one 4 KiB copy). Pages the writer dirties meanwhile are in the next
 * checkpoint's dirty set.
 *
 * <p>One checkpoint at a time per index: the caller does not begin one before the previous one
 * finished or was abandoned.
 */
public final class Checkpointer {
    /** Pages copied and written per I/O call (1 MiB). */
    private static final int STAGE_PAGES = 256;
    /**
     * Stages written between two forces of the same file (8 MiB): paces a checkpoint's writes, so the device never
     * holds hundreds of MiB of them queued ahead of a journal force (issue 16: the first checkpoint of a 10M-put load
     * stalled the writer 30-126 ms). Each force only starts the write-back of pages that were already written; the
     * checkpoint's protocol forces where it did before. Only a background checkpoint paces: one that {@link #checkpoint}
     * runs on the writer (the open's ending checkpoint, a close's, {@code checkpointNow}) holds the writer role
     * throughout, so no write waits behind it for a journal force, and its pacing forces were only time added to the
     * open (issue 16, part "recover3").
     */
    private static final int PACE_STAGES = 8;
    /** The most 1 MiB blocks of writer copies kept across checkpoints (the scheduler asks for fewer on a small table). */
    private static final int COPY_BLOCKS = 256;

    private final DurableIO io;
    /** The index directory: the double-write file and the page checksum files live there. */
    private final Path directory;
    private final DoubleWriteFile dw;
    /** Private pages the table may keep after a checkpoint; beyond it, written-back pages are released. */
    private final long privateLimitPages;
    /** Gives the free pages back to the file system (issue 19) and remembers which are holes. */
    private final HolePuncher puncher = new HolePuncher();
    /** Used by whichever thread runs the current checkpoint; one runs at a time. */
    private ByteBuffer stage;
    /** Page checksums (issue 3): a new table has none; open of an existing index hands in the loaded ones. */
    private PageChecksums checksums = new PageChecksums();
    /** Blocks for the writer's page copies, kept across checkpoints (issue 16, {@code tailcopy}); freed by {@link #close}. */
    private final SnapshotCopyBlocks copyBlocks = new SnapshotCopyBlocks(COPY_BLOCKS);
    /** Set by {@link #protectNothing}: every page is written once, in place. */
    private volatile boolean protectNothing;

    /**
     * A checkpointer of the index in {@code directory} that lets the table keep up to
     * {@code privateLimitBytes} of private page copies: a checkpoint releases written-back pages
     * only as far as the table's private pages exceed that (see {@link io.bucketdb.storage.DirtyPages#privatePages}).
     *
     * @param io                the durable I/O every checkpoint byte goes through
     * @param directory         the index directory, where the double-write file lives
     * @param privateLimitBytes private page bytes the table keeps after a checkpoint (0: release all it can)
     */
    public Checkpointer(DurableIO io, Path directory, long privateLimitBytes) {
        if (privateLimitBytes < 0) {
            throw new IllegalArgumentException("private memory limit is negative: " + privateLimitBytes);
        }
        this.io = io;
        this.directory = directory;
        this.dw = new DoubleWriteFile(io, directory.resolve(FILE_NAME));
        this.privateLimitPages = privateLimitBytes >>> ExtentClasses.PAGE_SHIFT;
    }

    /**
     * Makes checkpoints carry on from {@code checksums}: those of the checkpoint the table file holds.
     *
     * @param checksums the page checksums loaded (or rebuilt) on open; checkpoints update them
     */
    public void useChecksums(PageChecksums checksums) {
        this.checksums = checksums;
    }

    /**
     * From the next checkpoint on, writes every page once, in place, none through the double-write file: for an index
     * that is not live, whose every crash is discarded whole (a build under a staging name, which no open reads and the
     * next build deletes), the installed image the double-write file protects is never read again. The protocol is
     * otherwise unchanged (pages forced before the header), and a crash leaves what a crash after the in-place writes
     * of a doubled batch leaves minus the batch: only such an index may ask for it.
     */
    public void protectNothing() {
        protectNothing = true;
    }

    /**
     * What a checkpoint did.
     *
     * @param pages table pages written (through the double-write file, then in place)
     * @param bytesWritten bytes written to the double-write and table files
     * @param generation the generation of the header the checkpoint installed
     * @param checkpointLsn the journal LSN the installed header covers
     * @param writerCopies pages the writer copied before changing them while the checkpoint ran
     * @param released pages whose private copies were released after the write-back
     */
    public record Result(long pages, long bytesWritten, long generation, long checkpointLsn, long writerCopies,
                         long released) {
    }

    /**
     * Writer thread: begins a checkpoint of {@code table} at {@code checkpointLsn}, which must cover
     * everything applied to the table. The caller makes the journal durable through that LSN before
     * the checkpoint's header is installed (before {@link Checkpoint#run} returns).
     *
     * @param table the table to checkpoint
     * @param checkpointLsn the journal LSN of the last record applied to the table
     * @param clean whether the header records a clean close
     * @return the checkpoint, to {@link Checkpoint#run} on any thread and then finish or abandon on the writer
     */
    public Checkpoint begin(TableFile table, long checkpointLsn, boolean clean) {
        return begin(table, checkpointLsn, clean, null);
    }

    /**
     * Makes the journal durable through an LSN; called by {@link Checkpoint#run}, on whichever thread runs it.
     */
    @FunctionalInterface
    public interface JournalForce {
        /**
         * Returns once every journal record up to {@code lsn} is durable.
         *
         * @param lsn the checkpoint's LSN
         * @throws IOException if the journal cannot be made durable that far (its force failed, or failed before)
         */
        void forceThrough(long lsn) throws IOException;
    }

    /**
     * Writer thread: begins a checkpoint of {@code table} at {@code checkpointLsn}, whose journal records are written
     * but may not be durable yet: {@link Checkpoint#run} first makes them durable through {@code journal}, on its own
     * thread, before it writes anything that can install the checkpoint (the double-write batch a recovery would
     * finish, the header). So the writer does not wait for the journal's force at the begin (issue 16: a force queued
     * behind the previous checkpoint's writes held it for tens of milliseconds).
     *
     * @param table the table to checkpoint
     * @param checkpointLsn the journal LSN of the last record applied to the table
     * @param clean whether the header records a clean close
     * @param journal makes the journal durable through {@code checkpointLsn} before the checkpoint writes; null if the
     *                caller made it durable already
     * @return the checkpoint, to {@link Checkpoint#run} on any thread and then finish or abandon on the writer
     */
    public Checkpoint begin(TableFile table, long checkpointLsn, boolean clean, JournalForce journal) {
        Header next = table.header().copy();
        next.generation = table.header().generation + 1;
        next.checkpointLsn = checkpointLsn;
        next.cleanClose = clean;
        int slot = table.activeSlot() == 0 ? 1 : 0;
        PageSnapshot snapshot = table.dirty().beginSnapshot(HeaderLayout.DATA_START >>> ExtentClasses.PAGE_SHIFT,
                next.fileEnd >>> ExtentClasses.PAGE_SHIFT, pages -> new PageSnapshot(table.mapping(), pages, copyBlocks));
        long releaseBudget = Math.max(0, table.dirty().privatePages().count() - privateLimitPages);
        return new Checkpoint(table, next, slot, next.encode(), snapshot, protectNothing ? 0 : doubled(table, snapshot), releaseBudget,
                puncher.holesToPunch(table), journal);
    }

    /**
     * How many of the snapshot's pages (ascending) go through the double-write file: those below the allocation end
     * of the header in force. The others lie where the installed image holds nothing, so they are written once, in
     * place, and forced before anything that can install this checkpoint: a crash before that leaves bytes past the
     * installed allocation end, which the next open for writing cuts off ({@code TableFile.openForWriter}, and a read-only
     * view's copy alike), and after it they are durable. Issue 16, part "recovery": after a crash the ending checkpoint
     * writes mostly such pages (the table replay grew), so this halves its writes. Not when the header in force records
     * a clean close: such a file keeps its tail at open, so every page is double-written.
     */
    private static int doubled(TableFile table, PageSnapshot snapshot) {
        int count = snapshot.size();
        if (table.header().cleanClose) {
            return count;
        }
        long firstFresh = table.installedFileEnd() >>> ExtentClasses.PAGE_SHIFT;
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (snapshot.page(mid) < firstFresh) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * Begins and runs a checkpoint on this thread, the writer, and finishes it.
     *
     * @param table the table to checkpoint
     * @param checkpointLsn the journal LSN of the last record applied to the table, durable already
     * @param clean whether the header records a clean close
     * @return what the checkpoint did
     * @throws IOException if the checkpoint's I/O fails (the checkpoint is then abandoned)
     */
    public Result checkpoint(TableFile table, long checkpointLsn, boolean clean) throws IOException {
        Checkpoint c = begin(table, checkpointLsn, clean);
        c.background = false;
        Result r;
        try {
            r = c.run();
        } catch (IOException | RuntimeException | Error e) {
            c.abandon();
            throw e;
        }
        c.finish();
        return r;
    }

    /** The last checkpoint whose header was written and forced; what a clean close keeps in the double-write file. */
    private volatile Checkpoint installed;

    /** One checkpoint between {@link #begin} and {@link #finish}. */
    public final class Checkpoint {
        private final TableFile table;
        private final Header next;
        private final int slot;
        private final ByteBuffer headerImage;
        private final PageSnapshot snapshot;
        /** The snapshot's first pages that go through the double-write file; the rest are written once ({@link #doubled}). */
        private final int doubled;
        /** Pages to release after the write-back: how far the private pages exceeded the limit when it began. */
        private final long releaseBudget;
        /** For the JFR event: false when {@link #checkpoint} runs it on the writer thread. */
        private boolean background = true;
        /** Runs of free pages to give back: {start page, end page} pairs (see {@link HolePuncher#holesToPunch}). */
        private final long[] holes;
        /** Makes the journal durable through {@link #checkpointLsn()} first, or null if it is already. */
        private final JournalForce journal;

        private Checkpoint(TableFile table, Header next, int slot, ByteBuffer headerImage, PageSnapshot snapshot, int doubled,
                           long releaseBudget, long[] holes, JournalForce journal) {
            this.doubled = doubled;
            this.holes = holes;
            this.journal = journal;
            this.releaseBudget = releaseBudget;
            this.table = table;
            this.next = next;
            this.slot = slot;
            this.headerImage = headerImage;
            this.snapshot = snapshot;
        }

        /** {@return the journal LSN this checkpoint covers} */
        public long checkpointLsn() {
            return next.checkpointLsn;
        }

        /** {@return the number of table pages this checkpoint writes} */
        public int pages() {
            return snapshot.size();
        }

        /**
         * Does the checkpoint's I/O. Any thread, while the writer goes on; if it throws, the table file
         * still holds the previous checkpoint (or a complete double-write batch that recovery finishes)
         * and the caller must {@link #abandon} this checkpoint and stop acknowledging writes.
         *
         * @return what the checkpoint did
         * @throws IOException if a write or force fails
         */
        public Result run() throws IOException {
            // Not created while Flight Recorder is down: loading the first event class costs an open 60-100 ms (JfrEvents).
            CheckpointEvent event = JfrEvents.wanted() ? new CheckpointEvent() : null;
            if (event != null) {
                event.begin();
            }
            // Before anything that can install this checkpoint: a complete double-write batch is installed by the next
            // open, and its header names this LSN, so the journal must hold every record up to it by then. First, so
            // the force does not queue in the device behind this checkpoint's own writes.
            if (journal != null) {
                journal.forceThrough(next.checkpointLsn);
            }
            int count = snapshot.size();
            ByteBuffer buf = stage();
            MemorySegment stageSegment = MemorySegment.ofBuffer(buf.clear());
            // Pages past the installed allocation end, once, in place (see doubled): forced below with the file's size,
            // before the batch's head, so a batch that recovery can finish never lacks them.
            for (int i = doubled; i < count; ) {
                int n = stageAndRecord(i, count, buf, stageSegment);
                writeInPlace(buf, i, n);
                startWriteback(i, n);
                yieldIfBackground();
                i += n;
                if (background && i < count && ((i - doubled) / STAGE_PAGES) % PACE_STAGES == 0) {
                    table.forceFile(); // pacing only
                }
            }
            // The file must already be as long as the header about to be installed says (its allocation end):
            // finishing this batch after a crash rewrites pages and the header, not the file's size. Growing
            // the file (allocate) is a metadata change that only a force makes durable.
            table.forceFile();
            DurableFile out = dw.file();
            long listBytes = pageListBytes(doubled);
            ByteBuffer list = ByteBuffer.allocate((int) listBytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < doubled; i++) {
                list.putLong(snapshot.page(i));
            }
            list.clear();
            CRC32C body = new CRC32C();
            long pos = BODY;
            body.update(list.duplicate());
            out.write(pos, list);
            pos += listBytes;
            body.update(headerImage.duplicate());
            out.write(pos, headerImage.duplicate());
            pos += PAGE;
            long pagesAt = pos;
            for (int i = 0; i < doubled; ) {
                int n = stageAndRecord(i, doubled, buf, stageSegment);
                body.update(buf.duplicate());
                out.write(pos, buf);
                yieldIfBackground();
                pos += (long) n * PAGE;
                i += n;
                if (background && i < doubled && (i / STAGE_PAGES) % PACE_STAGES == 0) {
                    out.force(); // pacing only
                }
            }
            // Free pages given back read as zeros from the punch on, which is what NEVER_WRITTEN promises; pages
            // this checkpoint writes lose their punched mark (they take blocks again).
            for (int i = 0; i < count; i++) {
                puncher.written(snapshot.page(i));
            }
            for (int i = 0; i < holes.length; i += 2) {
                for (long p = holes[i]; p < holes[i + 1]; p++) {
                    checksums.set(p, PageChecksumsLayout.NEVER_WRITTEN);
                }
            }
            ByteBuffer head = DoubleWriteFile.head(doubled, next.generation, next.checkpointLsn, slot, (int) body.getValue(), pos - BODY,
                    headerImage);
            // Durable before the batch can be finished: whenever recovery finishes this generation, its checksums exist.
            long checksumBytes = checksums.writeFor(next.generation, next.fileEnd, io, directory);
            out.write(0, head);
            out.force();

            // In place, from the double-write file (just written, so read from the page cache): the
            // snapshot's pages may have changed in memory since they were copied.
            for (int i = 0; i < doubled; ) {
                int n = Math.min(STAGE_PAGES, doubled - i);
                buf.clear().limit(n * PAGE);
                out.read(pagesAt + (long) i * PAGE, buf);
                writeInPlace(buf, i, n);
                startWriteback(i, n);
                yieldIfBackground();
                i += n;
                if (background && i < doubled && (i / STAGE_PAGES) % PACE_STAGES == 0) {
                    table.forceFile(); // pacing only: the batch is complete, and recovery rewrites every page of it
                }
            }
            // After the batch is forced (recovery finishes it, and punches again, if a crash comes before the
            // header) and before the header: whenever these pages' NEVER_WRITTEN entries are in force, the pages
            // read as zeros. The force below makes the punches durable with the in-place writes.
            puncher.punch(table, holes, buf);
            table.forceFile();
            table.writeHeaderSlot(slot, headerImage);
            installed = this;
            long released = releaseBudget == 0 ? 0 : snapshot.releaseUnchanged(releaseBudget);
            Result result = new Result(count, (pos - BODY) + (long) count * PAGE + PAGE + checksumBytes, next.generation,
                    next.checkpointLsn, snapshot.writerCopies(), released);
            if (event != null) {
                commit(event, result, background);
            }
            return result;
        }

        /**
         * Copies the snapshot's pages {@code i ..} (at most a stage, not past {@code end}) into {@code buf}, records
         * their checksums, and leaves {@code buf} holding exactly them; returns how many.
         */
        private int stageAndRecord(int i, int end, ByteBuffer buf, MemorySegment stageSegment) {
            int n = Math.min(STAGE_PAGES, end - i);
            for (int k = 0; k < n; k++) {
                snapshot.copyTo(i + k, stageSegment, (long) k * PAGE);
            }
            yieldIfBackground();
            buf.clear().limit(n * PAGE);
            for (int k = 0; k < n; k++) {
                checksums.record(snapshot.page(i + k), buf.duplicate().position(k * PAGE).limit((k + 1) * PAGE));
            }
            yieldIfBackground();
            return n;
        }

        /**
         * A background checkpoint hands its core to a thread that wants it, between the parts of a stage (the copy of a
         * stage's pages, their checksums, their write): on a core shared with the writer it otherwise ran until the
         * scheduler's tick took the core back, holding a put for up to 4 ms (issue 16, docs/BENCHMARKS.md "tail5").
         * Its share of the CPU is the same; only its turns are shorter. An open's checkpoint, which nothing waits
         * beside, does not yield.
         */
        private void yieldIfBackground() {
            if (background) {
                Thread.yield();
            }
        }

        /**
         * On the writer, starts the device on the snapshot's pages {@code i .. i + n - 1} just written in place, so that
         * the table's next protocol force finds them under way instead of all 40 MB of an open's ending checkpoint at
         * once (issue 16, part "recover4"). Only a hint: nothing is durable or ordered by it, so the crash states are
         * those without it. A background checkpoint's pacing forces do this already, and must not hurry its writes
         * ahead of a journal force.
         */
        private void startWriteback(int i, int n) {
            if (!background) {
                long first = snapshot.page(i) << ExtentClasses.PAGE_SHIFT;
                long end = (snapshot.page(i + n - 1) + 1) << ExtentClasses.PAGE_SHIFT;
                table.startWriteback(first, end - first);
            }
        }

        /** Writes the snapshot's pages {@code i .. i + n - 1}, held in {@code buf}, in place: one write per run of adjacent pages. */
        private void writeInPlace(ByteBuffer buf, int i, int n) throws IOException {
            for (int k = 0; k < n; ) {
                int run = 1;
                while (k + run < n && snapshot.page(i + k + run) == snapshot.page(i + k) + run) {
                    run++;
                }
                buf.limit((k + run) * PAGE).position(k * PAGE);
                table.writeRaw(snapshot.page(i + k) << ExtentClasses.PAGE_SHIFT, buf);
                k += run;
            }
        }

        private static void commit(CheckpointEvent event, Result result, boolean background) {
            event.end();
            if (event.shouldCommit()) {
                event.pages = result.pages();
                event.bytes = result.bytesWritten();
                event.background = background;
                event.generation = result.generation();
                event.checkpointLsn = result.checkpointLsn();
                event.commit();
            }
        }

        /** Writer thread, after {@link #run} returned: the new header is the live one; the snapshot ends. */
        public void finish() {
            table.headerInstalled(next, slot);
            end();
        }

        /**
         * Writer thread, after {@link #run} failed: ends the snapshot. The pages it held are not marked
         * dirty again; the index must not checkpoint after a failure (it turns read-only, and the next
         * open recovers from the journal).
         */
        public void abandon() {
            end();
        }

        private void end() {
            table.dirty().endSnapshot();
            snapshot.close();
        }
    }

    private ByteBuffer stage() {
        if (stage == null) {
            stage = ByteBuffer.allocateDirect(STAGE_PAGES * PAGE);
        }
        return stage;
    }

    /**
     * Closes the double-write file.
     *
     * @throws IOException if closing the file fails
     */
    public void close() throws IOException {
        copyBlocks.close();
        dw.close();
    }

    /** {@return the blocks the writer's page copies go into, which the caller may have made ahead of a checkpoint} */
    public SnapshotCopyBlocks copyBlocks() {
        return copyBlocks;
    }

    /**
     * Closes after the last checkpoint of a clean close returned (its header is forced): shrinks the
     * double-write file to that checkpoint's batch without its pages (head, no page list, the header
     * image: {@link DoubleWriteLayout#BODY} + {@link DoubleWriteLayout#PAGE} bytes), forced, and closes it.
     * The pages are in place and forced, so they are never needed again; the header image is kept
     * because {@link #finishPending} restores it if the live header slot is damaged at rest (the other
     * slot then holds the previous generation, and this batch is the next one).
     *
     * <p>Crash-safe at every step: until the force, a power loss may keep any mix of the old batch, the
     * new head, the new body and the shorter size. Every mix is either a complete batch of the installed
     * generation (the old or the new one, which {@link #finishPending} leaves alone while that header is
     * intact) or fails a checksum or the length check, which reads as "no pending batch": the live header
     * is durable, so nothing needs one.
     *
     * @throws IOException if writing, truncating, forcing or closing the file fails
     */
    public void closeTrimmed() throws IOException {
        try {
            Checkpoint last = installed;
            if (last == null) {
                return; // no checkpoint since open: the file is as the last close left it
            }
            dw.writeTrimmed(last.next.generation, last.next.checkpointLsn, last.slot, last.headerImage);
        } finally {
            close();
        }
    }


    /**
     * What {@link #finishPending} found.
     *
     * @param finished whether a complete, newer batch was found and written in place
     * @param pages the pages it wrote in place, 0 if none
     * @param generation the generation of the header it installed, 0 if none
     */
    public record Pending(boolean finished, long pages, long generation) {
    }

    /**
     * On open, before the table is mapped: if the double-write file holds a complete batch newer
     * than every valid header of {@code tablePath}, writes its pages and header in place and forces,
     * finishing a checkpoint that a crash interrupted. Returns what it did.
     *
     * <p>The batch is written again and forced before the table changes: it may exist only in the page cache (a
     * checkpoint of an earlier life in this boot wrote it and its force failed), and a crash while its pages go in
     * place must find it on disk to finish them.
     *
     * @param io the durable I/O every byte goes through
     * @param directory the index directory, where the double-write file lives
     * @param tablePath the table file
     * @return what it found and did
     * @throws IOException if reading or writing the double-write file or writing the table file fails
     */
    public static Pending finishPending(DurableIO io, Path directory, Path tablePath) throws IOException {
        return DoubleWriteRecovery.finishPending(io, directory, tablePath, true);
    }

    /**
     * {@link #finishPending} into a copy of the table that {@code io} keeps in memory (a read-only view): the double-write
     * file is only read, nothing on disk changes.
     *
     * @param io the view's durable I/O, which opens {@code tablePath} as its copy and refuses every other change
     * @param directory the index directory, where the double-write file lives
     * @param tablePath the table file
     * @return what it found and did to the copy
     * @throws IOException if reading the double-write file fails
     */
    public static Pending finishPendingInCopy(DurableIO io, Path directory, Path tablePath) throws IOException {
        return DoubleWriteRecovery.finishPending(io, directory, tablePath, false);
    }

    /**
     * The highest generation among the valid header slots of the table file and whether the file
     * still covers that header's allocation end. Reads only; a read-only view also compares the
     * generation before and after it copies the table.
     *
     * @param io the durable I/O to read through
     * @param tablePath the table file
     * @return {generation or -1 if no slot is valid, 0 if the file covers that header's allocation end else -1}
     * @throws IOException if the file cannot be read
     */
    public static long[] bestHeader(DurableIO io, Path tablePath) throws IOException {
        return DoubleWriteRecovery.bestHeader(io, tablePath);
    }
}
