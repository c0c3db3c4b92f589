package io.bucketdb.recovery;

import static io.bucketdb.recovery.JournalSegmentLayout.HEADER_LENGTH;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The segment files of a {@link JournalWriter} (see its class Javadoc for the protocol): which segments exist and
 * which spares, the file appended to with its write position and allocation, opening after the last valid record
 * or fresh after a recovery, creating a segment (from a spare), rolling, recycling below a checkpoint, and the
 * trim of a clean close. The writer keeps the frames, the LSNs and the forces' bookkeeping; this class does every
 * file operation of the journal. Used by the writer's role only, but for {@link #force}, which the force beside the
 * role calls too; both hold the lock of {@code SegmentForces}.
 *
 * <h2>Appending through a mapping</h2>
 * Frames reach the current segment through an {@link AppendWindow}, a shared mapping of its allocated bytes
 * (docs/DESIGN.md, "Hard rules"): a batch is a copy into the page cache, no system call, and survives a process kill at
 * once; {@link #force} forces the mapped range written since the last force. The window always spans {@code [0,
 * allocated)}: {@link #ensureMapped} allocates first (a full disk is an {@code IOException} there, never a SIGBUS
 * in a put) and then maps the larger window in place of the old one, so a segment that grows is remapped a few times
 * (its allocation doubles). The swap takes no lock (a force beside the role may be forcing the old window meanwhile,
 * and the role must not wait for it); the old window is retired, and closed with the current one where the forces'
 * lock is held: before its file is truncated, closed or left by a roll, and when the writer fails. So the force beside
 * the role never forces a closed window, only the role puts, so none is closed under a put, and closing is
 * deterministic (the window's arena), so no mapping outlives its file. Readers (replay, views, tools) keep reading positionally: the page cache is coherent
 * with the mapping.
 */
final class JournalSegments {
    private final DurableIO io;
    private final Path directory;
    private final JournalOptions options;
    /** Segments on disk, oldest first; the last is {@link #file}. */
    private final List<Segment> segments = new ArrayList<>();
    private final ArrayDeque<Path> spares;
    /** Makes the next segment's file ahead of its roll, or null ({@link JournalOptions#prepareAhead}). */
    private final SegmentPreparer preparer;
    /**
     * Faults the current window's next pages in ahead of the appends, or null: with the preparer (the index's background
     * duties), started with the first window, stopped at {@link #close}.
     */
    private JournalPageToucher toucher;
    /** The write position at which {@link #write} next hands the toucher a request; 0 after a new window. */
    private long touchAt;

    /** Held by every force and every change of {@link #file} or {@link #window} (the forces' lock). */
    private final ReentrantLock lock;
    private DurableFile file;
    /**
     * {@code [0, allocated)} of {@link #file} mapped for appending, or null until the first append needs it. Volatile:
     * a growth of the allocation swaps it without the forces' lock (see {@link #ensureMapped}), and a force reads it
     * after the write position, so it always gets a window that covers what it forces.
     */
    private volatile AppendWindow window;
    /**
     * Smaller windows of {@link #file} that a growth replaced: a force beside the role may still be forcing one, so
     * they are closed only where the forces' lock is held (a roll, an unmap), where no force runs.
     */
    private final List<AppendWindow> retired = new ArrayList<>();
    /** Where the next write goes in {@link #file}; volatile: the force beside the role reads it. */
    private volatile long writePosition;
    /** How far {@link #file} has been forced; under {@link #lock}. */
    private long forcedPosition;
    /** Bytes of {@link #file} allocated so far; writes beyond it allocate first (see {@link #ensureMapped}). */
    private long allocated;
    /** Bytes {@link #file} may hold before the writer rolls: its segment's capacity. */
    private long fileCapacity;
    /** The salt in {@link #file}'s header, which the CRC of its roll frame covers. */
    private long fileSalt;
    /** Encodes the roll frame that ends a segment the journal leaves ({@link SegmentRoll}). */
    private final SegmentRoll rollFrame = new SegmentRoll();

    /** A segment on disk. */
    private record Segment(long sequence, long firstLsn, Path path) {
    }

    /**
     * Where appending starts after an open.
     *
     * @param sequence the current segment's sequence
     * @param salt its salt
     * @param lastLsn the LSN of the last record (the checkpoint's, if none follows it)
     * @param position where the next frame goes in the segment
     * @param capacity bytes the segment may hold
     */
    record Position(long sequence, long salt, long lastLsn, long position, long capacity) {
    }

    JournalSegments(DurableIO io, Path directory, JournalOptions options, List<Path> spares, ReentrantLock lock) {
        this.io = io;
        this.lock = lock;
        this.directory = directory;
        this.options = options;
        this.spares = new ArrayDeque<>(spares);
        this.preparer = options.prepareAhead() ? new SegmentPreparer(io, directory) : null;
    }

    /** {@return a fresh random salt for a new segment} */
    long newSalt() {
        return SegmentSalts.next();
    }

    /** Opens the journal for appending after its last valid record (see {@link JournalWriter#open}). */
    Position openExisting(long checkpointLsn) throws IOException {
        List<SegmentFiles.Entry> files = SegmentFiles.segments(directory);
        SegmentHeader lastHeader = null;
        SegmentFiles.Entry unborn = null;
        for (int i = 0; i < files.size(); i++) {
            SegmentFiles.Entry entry = files.get(i);
            SegmentHeader header = SegmentHeader.read(io, entry.path(), entry.sequence());
            if (header != null) {
                segments.add(new Segment(entry.sequence(), header.firstLsn(), entry.path()));
                lastHeader = header;
            } else if (i == files.size() - 1) {
                unborn = entry;
            } else {
                throw new CorruptIndexException(entry.path(), 0, "a valid segment header with sequence "
                        + entry.sequence() + " (later segments exist); replay with DamagePolicy.TRUNCATE");
            }
        }
        SegmentScanner scanner = new SegmentScanner(options);
        if (lastHeader != null) {
            Segment last = segments.getLast();
            file = io.open(last.path(), DurableIO.Mode.OPEN_EXISTING);
            scanner.attach(file, lastHeader.salt());
            SegmentScanner.Walk walk = scanner.walkPastCovered(HEADER_LENGTH, lastHeader.firstLsn(), checkpointLsn,
                    Long.MAX_VALUE, (lsn, record) -> { });
            if (walk.roll() != null) {
                // The reader refuses this journal too; this guards a writer opened without a replay
                // before it, before anything is changed.
                throw new CorruptIndexException(SegmentFiles.segmentPath(directory, walk.roll().nextSequence()), 0,
                        "the journal segment that " + last.path().getFileName() + " ends with a roll to at offset "
                                + walk.roll().offset() + ", found none with a valid header; replay with"
                                + " DamagePolicy.TRUNCATE");
            }
            SegmentScanner.Tail tail = scanner.scanTail(walk.end(), walk.lastLsn() + 1, false);
            if (tail.damaged()) {
                throw new CorruptIndexException(last.path(), walk.end(), "a record with LSN "
                        + (walk.lastLsn() + 1) + " or a torn tail, but intact records forced after it follow"
                        + " (damage); replay with DamagePolicy.TRUNCATE");
            }
            if (walk.lastLsn() < checkpointLsn) {
                throw new CorruptIndexException(last.path(), walk.end(), "records up to LSN " + checkpointLsn
                        + ", the checkpoint, but the journal ends at LSN " + walk.lastLsn());
            }
            removeUnborn(scanner, unborn, walk.lastLsn() + 1);
            // Older segments the checkpoint covers go before anything is appended. Where the newest one was not made by
            // a roll (a clean close's trim that a crash cut short), nothing in them says it exists; with them gone, its
            // loss is a missing journal, which a reader refuses for an index not closed cleanly.
            recycleBelow(checkpointLsn);
            ZeroFill.range(file, walk.end(), tail.tornEnd());
            // The header is written again before anything is appended behind it: the one read may exist only in
            // the page cache (its force failed in an earlier life of this boot, and Linux then marks the page
            // clean without writing it), and forced records behind a header lost to a power loss would read as
            // damage. Rewriting dirties the page, so this force really writes it. Same bytes, same blocks: it
            // needs no free space.
            file.write(0, lastHeader.encode());
            file.force();
            // Its name too: a clean close whose new header-only segment failed its force never synced that segment's
            // creation (the clean header was already durable), and appends to a file a power loss then takes away
            // vanish with it, unnoticed, behind a checkpoint the older segments still reach.
            io.syncDirectory(directory);
            writePosition = walk.end();
            forcedPosition = writePosition;
            fileSalt = lastHeader.salt();
            fileCapacity = Math.max(options.segmentSize(), file.size());
            allocated = file.size();
            return new Position(last.sequence(), lastHeader.salt(), walk.lastLsn(), writePosition, fileCapacity);
        }
        removeUnborn(scanner, unborn, checkpointLsn + 1);
        return startFresh(unborn != null ? unborn.sequence() : 1, checkpointLsn);
    }

    /** Starts a new journal after a recovery (see {@link JournalWriter#openFresh}). */
    Position openFresh(long checkpointLsn) throws IOException {
        List<SegmentFiles.Entry> old = SegmentFiles.segments(directory);
        // Files without a valid header (creations a crash interrupted; they hold nothing the checkpoint
        // needs) go first, durably. The new segment then continues the last one with a header, so a crash
        // that leaves it header-less leaves it right behind that one, the one place readers accept an
        // interrupted creation (a removed file's name is free again once the directory sync returns). Files
        // with a header stay until the new segment is durable: until then they are the journal.
        List<SegmentFiles.Entry> withHeader = new ArrayList<>();
        for (SegmentFiles.Entry entry : old) {
            if (SegmentHeader.read(io, entry.path(), entry.sequence()) != null) {
                withHeader.add(entry);
            } else {
                io.delete(entry.path());
            }
        }
        if (withHeader.size() < old.size()) {
            io.syncDirectory(directory);
        }
        Position start = startFresh(withHeader.isEmpty() ? 1 : withHeader.getLast().sequence() + 1, checkpointLsn);
        for (SegmentFiles.Entry entry : withHeader) {
            retire(entry.sequence(), entry.path()); // not unlinked on the open: 22 ms for a full segment (issue 16)
        }
        if (!withHeader.isEmpty()) {
            io.syncDirectory(directory);
        }
        return start;
    }

    /** Creates segment {@code sequence}, starting after {@code checkpointLsn}, and makes it current. */
    private Position startFresh(long sequence, long checkpointLsn) throws IOException {
        long salt = SegmentSalts.next();
        file = createSegment(sequence, salt, checkpointLsn + 1, options.segmentSize());
        fileSalt = salt;
        segments.add(new Segment(sequence, checkpointLsn + 1, file.path()));
        writePosition = HEADER_LENGTH;
        forcedPosition = HEADER_LENGTH;
        fileCapacity = options.segmentSize();
        allocated = file.size();
        return new Position(sequence, salt, checkpointLsn, HEADER_LENGTH, options.segmentSize());
    }

    /**
     * Deletes the last segment file if a crash interrupted its creation (no valid header). If records
     * follow its header, the header was damaged instead, and deleting would drop them.
     */
    private void removeUnborn(SegmentScanner scanner, SegmentFiles.Entry unborn, long nextLsn) throws IOException {
        if (unborn == null) {
            return;
        }
        try (DurableFile f = io.open(unborn.path(), DurableIO.Mode.READ_ONLY)) {
            scanner.attach(f, 0);
            if (scanner.countRecordLike(nextLsn) > 0) {
                throw new CorruptIndexException(unborn.path(), 0, "a valid segment header: records from LSN "
                        + nextLsn + " follow it; replay with DamagePolicy.TRUNCATE");
            }
        }
        io.delete(unborn.path());
        io.syncDirectory(directory);
    }

    /**
     * Appends {@code [from, to)} of {@code frames} at the write position of the current segment, through its window,
     * allocating and remapping first where needed.
     */
    void write(MemorySegment frames, long from, long to) throws IOException {
        long position = writePosition;
        long end = position + (to - from);
        AppendWindow w = window;
        if (w == null || end > w.end()) {
            w = ensureMapped(end);
        }
        w.put(position, frames, from, to - from);
        writePosition = end;
        if (end >= touchAt && toucher != null) {
            touchAt = end + JournalPageToucher.STEP;
            toucher.request(w, file, end);
        }
    }

    /**
     * Forces what was appended to the current segment since its last force (the window's range, which carries the
     * file's size changes with it); the caller holds the forces' lock.
     */
    void force() throws IOException {
        long to = writePosition;
        if (to > forcedPosition) {
            window.force(forcedPosition, to);
            forcedPosition = to;
        }
    }

    /**
     * Allocates the current file through {@code end} before a write reaches it, doubling the allocation (from
     * {@link JournalWriter#FIRST_ALLOCATION}, at most the segment's capacity), so a full disk fails the allocation with an
     * {@code IOException} before any frame is written and a segment changes size only a few times; then maps the
     * window over the whole allocation, in place of the smaller one.
     */
    private AppendWindow ensureMapped(long end) throws IOException {
        if (end > allocated) {
            long target = Math.max(JournalWriter.FIRST_ALLOCATION, allocated);
            while (target < end) {
                target <<= 1;
            }
            target = Math.max(end, Math.min(target, fileCapacity));
            file.allocate(target);
            allocated = target;
            if (allocated >= fileCapacity) {
                prepareAhead(); // the segment is past half full: the next one will be needed
            }
        }
        AppendWindow mapped = file.mapAppendWindow(0, allocated);
        AppendWindow old = window;
        // Without the forces' lock (issue 16: taking it here waited behind a force beside the role, for as long as the
        // device took to write it). Both windows map the same file, so a force through the old one covers the same
        // pages; the old one stays open until no force can be using it.
        window = mapped;
        if (old != null) {
            retired.add(old);
        }
        touchAt = 0; // a new mapping: its pages ahead are faulted in again
        if (toucher == null && preparer != null) {
            toucher = new JournalPageToucher(); // with the first window, so an open that never appends starts no thread
        }
        return mapped;
    }

    /** Unmaps the window after the writer failed with {@code e}, holding the forces' lock; returns {@code e}. */
    IOException unmapOnFailure(IOException e) {
        lock.lock();
        try {
            unmap();
        } finally {
            lock.unlock();
        }
        return e;
    }

    /** Closes the current segment's windows, if one is mapped; under the forces' lock or where no force can run. */
    void unmap() {
        AppendWindow w = window;
        window = null;
        if (w != null) {
            w.close();
        }
        for (AppendWindow r : retired) {
            r.close();
        }
        retired.clear();
    }

    /**
     * Makes segment {@code sequence} current, created with its header; the caller has forced the current one (see
     * {@link #force}), and the writer kept {@link SegmentRoll#ALIGNED_LENGTH} bytes free in it. Once the new segment is
     * durable, the current one gets its roll frame, forced, before anything is written to the new one: the order
     * {@link SegmentRoll} explains.
     */
    void rollTo(long sequence, long salt, long firstLsn, long capacity) throws IOException {
        DurableFile next = createSegment(sequence, salt, firstLsn, capacity);
        try {
            write(rollFrame.encode(fileSalt, firstLsn, sequence, salt), 0, SegmentRoll.ALIGNED_LENGTH);
            force();
        } catch (IOException e) {
            try {
                next.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        fileSalt = salt;
        DurableFile previous = file;
        AppendWindow left = window;
        if (preparer != null && left != null) {
            window = null; // the caller holds the forces' lock: no force reaches the windows from here on
            for (AppendWindow r : retired) {
                preparer.closeLater(r, null);
            }
            retired.clear();
        } else {
            unmap();
        }
        file = next;
        writePosition = HEADER_LENGTH;
        touchAt = 0;
        forcedPosition = HEADER_LENGTH;
        fileCapacity = capacity;
        allocated = next.size();
        segments.add(new Segment(sequence, firstLsn, next.path()));
        if (window == null && left != null && preparer != null) {
            preparer.closeLater(left, previous); // the full segment was forced: its unmap and close need not wait
        } else {
            previous.close();
        }
        prepareAhead(); // a whole segment was filled: the next one will most likely be needed too
    }

    /**
     * Starts making a spare for the next roll on the preparer's thread ({@link SegmentPreparer}), unless a spare is
     * there already or being made. Its name is below every sequence the journal holds, so no recycle reuses it.
     */
    private void prepareAhead() {
        if (preparer == null || preparer.busy() || !spares.isEmpty()) {
            return;
        }
        long lowest = segments.isEmpty() ? 1 : segments.getFirst().sequence();
        long name = lowest - 1;
        if (name >= 0) {
            preparer.start(name, options.segmentSize());
        }
    }

    /**
     * Tests: waits for a preparation under way and takes its spare, so the next roll surely finds it, and for the
     * closes and deletions handed to the preparer, so the file operations come in one order.
     */
    void awaitPrepared() {
        if (preparer != null) {
            adopt(preparer.awaitIdle());
            preparer.awaitCloses();
        }
    }

    /** Takes a spare the preparer made into the spares, first in line (it is the one allocated for the next roll). */
    private void adopt(Path prepared) {
        if (prepared != null) {
            spares.addFirst(prepared);
        }
    }

    /**
     * Creates segment {@code sequence} from a spare if there is one; durable (file and name) on return. A new
     * file gets its header's bytes only; frames allocate as they are written ({@link #ensureMapped}).
     */
    private DurableFile createSegment(long sequence, long salt, long firstLsn, long capacity) throws IOException {
        Path path = SegmentFiles.segmentPath(directory, sequence);
        if (preparer != null) {
            adopt(preparer.takeReady()); // never waits: an unfinished preparation is taken at a later roll
        }
        Path spare = spares.pollFirst();
        DurableFile created;
        if (spare != null) {
            // Until the new header is forced, the file still carries its old one, whose sequence does not
            // match the new name: a reader takes it for a segment a crash left unborn.
            io.rename(spare, path);
            created = io.open(path, DurableIO.Mode.OPEN_EXISTING);
        } else {
            created = io.open(path, DurableIO.Mode.CREATE_NEW);
        }
        try {
            created.allocate(Math.min(capacity, HEADER_LENGTH));
            created.write(0, new SegmentHeader(sequence, salt, firstLsn).encode());
            created.force();
            io.syncDirectory(directory);
        } catch (IOException e) {
            try {
                created.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return created;
    }

    /** Recycles or deletes the segments a checkpoint covers (see {@link JournalWriter#recycleBelow}). */
    int recycleBelow(long checkpointLsn) throws IOException {
        int recycled = 0;
        while (segments.size() > 1 && segments.get(1).firstLsn() - 1 <= checkpointLsn) {
            Segment oldest = segments.getFirst();
            retire(oldest.sequence(), oldest.path());
            segments.removeFirst();
            recycled++;
        }
        if (recycled > 0) {
            io.syncDirectory(directory);
        }
        return recycled;
    }

    /**
     * Takes segment file {@code path} (sequence {@code sequence}), which a checkpoint covers, out of the journal: kept
     * as a spare if there is room, else renamed to a spare and deleted on the preparer's thread, else deleted. The
     * caller syncs the directory.
     */
    private void retire(long sequence, Path path) throws IOException {
        if (spares.size() < options.maxSpareSegments()) {
            Path spare = SegmentFiles.sparePath(directory, sequence);
            io.rename(path, spare);
            spares.addLast(spare);
        } else if (preparer != null) {
            // Unlinking a full segment frees its blocks: 46 ms measured on the role in a 10M-put load (issue 16).
            // Renamed to a spare first, so what the preparer deletes later is a file no reader looks at, and one a
            // crash before the deletion leaves as a spare that the next open reuses.
            Path spare = SegmentFiles.sparePath(directory, sequence);
            io.rename(path, spare);
            preparer.deleteLater(spare);
        } else {
            io.delete(path);
        }
    }

    /** Leaves one header-only segment after {@code checkpointLsn} (see {@link JournalWriter#closeAfterCheckpoint}). */
    void trimAfterCheckpoint(long checkpointLsn) throws IOException {
        unmap(); // before the truncation: no mapping may reach past the end of its file
        if (preparer != null) {
            preparer.awaitCloses(); // nor one an earlier doubling or roll left to the preparer
        }
        Segment current = segments.getLast();
        int older = segments.size() - 1;
        if (current.firstLsn() == checkpointLsn + 1) {
            // Nothing was appended to it: cutting it to its header is enough. Any bytes behind the header
            // (preallocated zeros, frames of a recycled file's earlier life) validate as no record.
            file.truncate(HEADER_LENGTH);
            file.force();
        } else {
            // Spares go first so the new segment is a new, header-sized file, not a reused 64 MiB one.
            deleteSpares();
            DurableFile fresh = createSegment(current.sequence() + 1, SegmentSalts.next(), checkpointLsn + 1,
                    HEADER_LENGTH);
            file.close();
            file = fresh;
            segments.add(new Segment(current.sequence() + 1, checkpointLsn + 1, fresh.path()));
            older++;
        }
        boolean deleted = deleteSpares();
        for (int i = 0; i < older; i++) {
            io.delete(segments.removeFirst().path());
            deleted = true;
        }
        if (deleted) {
            io.syncDirectory(directory);
        }
    }

    /** Deletes every spare (not synced: no reader looks at spares); returns whether there was one. */
    private boolean deleteSpares() throws IOException {
        if (preparer != null) {
            adopt(preparer.awaitIdle());
        }
        boolean any = !spares.isEmpty();
        while (!spares.isEmpty()) {
            io.delete(spares.pollFirst());
        }
        return any;
    }

    /** Closes the current segment and its window, if one is open, and stops the toucher. */
    void close() throws IOException {
        if (toucher != null) {
            toucher.stop(); // before the unmap; it may end after the close, and a touch under the unmap ends quietly
            toucher = null;
        }
        if (preparer != null) {
            adopt(preparer.awaitIdle()); // a spare on disk: the next open lists it
            preparer.awaitCloses();
            preparer.close();
        }
        unmap();
        if (file != null) {
            file.close();
        }
    }
}
