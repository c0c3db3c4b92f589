package io.bucketdb.recovery;

import static io.bucketdb.recovery.JournalSegmentLayout.HEADER_LENGTH;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The segment files of a {@link JournalWriter} (see its class Javadoc for the protocol): which segments exist and
 * which spares, the file appended to with its write position and allocation, opening after the last valid record
 * or fresh after a recovery, creating a segment (from a spare), rolling, recycling below a checkpoint, and the
 * trim of a clean close. The writer keeps the frames, the LSNs and the forces' bookkeeping; this class does every
 * file operation of the journal but the force of a sync. Used by the writer's thread only.
 */
final class JournalSegments {
    private final DurableIO io;
    private final Path directory;
    private final JournalOptions options;
    private final SecureRandom random = new SecureRandom();
    /** Segments on disk, oldest first; the last is {@link #file}. */
    private final List<Segment> segments = new ArrayList<>();
    private final ArrayDeque<Path> spares;

    private DurableFile file;
    /** Where the next write goes in {@link #file}. */
    private long writePosition;
    /** Bytes of {@link #file} allocated so far; writes beyond it allocate first (see {@link #ensureAllocated}). */
    private long allocated;
    /** Bytes {@link #file} may hold before the writer rolls: its segment's capacity. */
    private long fileCapacity;

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

    JournalSegments(DurableIO io, Path directory, JournalOptions options, List<Path> spares) {
        this.io = io;
        this.directory = directory;
        this.options = options;
        this.spares = new ArrayDeque<>(spares);
    }

    /** {@return a fresh random salt for a new segment} */
    long newSalt() {
        return random.nextLong();
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
            ZeroFill.range(file, walk.end(), tail.tornEnd());
            // The header is written again before anything is appended behind it: the one read may exist only in
            // the page cache (its force failed in an earlier life of this boot, and Linux then marks the page
            // clean without writing it), and forced records behind a header lost to a power loss would read as
            // damage. Rewriting dirties the page, so this force really writes it. Same bytes, same blocks: it
            // needs no free space.
            file.write(0, lastHeader.encode());
            file.force();
            writePosition = walk.end();
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
            io.delete(entry.path());
        }
        if (!withHeader.isEmpty()) {
            io.syncDirectory(directory);
        }
        return start;
    }

    /** Creates segment {@code sequence}, starting after {@code checkpointLsn}, and makes it current. */
    private Position startFresh(long sequence, long checkpointLsn) throws IOException {
        long salt = random.nextLong();
        file = createSegment(sequence, salt, checkpointLsn + 1, options.segmentSize());
        segments.add(new Segment(sequence, checkpointLsn + 1, file.path()));
        writePosition = HEADER_LENGTH;
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

    /** Writes {@code frames} at the write position of the current segment, allocating first where needed. */
    void write(ByteBuffer frames) throws IOException {
        int length = frames.remaining();
        ensureAllocated(writePosition + length);
        file.write(writePosition, frames);
        writePosition += length;
    }

    /** Forces the current segment. */
    void force() throws IOException {
        file.force();
    }

    /**
     * Allocates the current file through {@code end} before a write reaches it, doubling the allocation (from
     * {@link JournalWriter#FIRST_ALLOCATION}, at most the segment's capacity), so a full disk fails the allocation with an
     * {@code IOException} before any frame is written and a segment changes size only a few times.
     */
    private void ensureAllocated(long end) throws IOException {
        if (end <= allocated) {
            return;
        }
        long target = Math.max(JournalWriter.FIRST_ALLOCATION, allocated);
        while (target < end) {
            target <<= 1;
        }
        target = Math.max(end, Math.min(target, fileCapacity));
        file.allocate(target);
        allocated = target;
    }

    /**
     * Makes segment {@code sequence} current, created with its header; the caller has forced the current one (see
     * {@link #force}).
     */
    void rollTo(long sequence, long salt, long firstLsn, long capacity) throws IOException {
        DurableFile next = createSegment(sequence, salt, firstLsn, capacity);
        DurableFile previous = file;
        file = next;
        writePosition = HEADER_LENGTH;
        fileCapacity = capacity;
        allocated = next.size();
        segments.add(new Segment(sequence, firstLsn, next.path()));
        previous.close();
    }

    /**
     * Creates segment {@code sequence} from a spare if there is one; durable (file and name) on return. A new
     * file gets its header's bytes only; frames allocate as they are written ({@link #ensureAllocated}).
     */
    private DurableFile createSegment(long sequence, long salt, long firstLsn, long capacity) throws IOException {
        Path path = SegmentFiles.segmentPath(directory, sequence);
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
            if (spares.size() < options.maxSpareSegments()) {
                Path spare = SegmentFiles.sparePath(directory, oldest.sequence());
                io.rename(oldest.path(), spare);
                spares.addLast(spare);
            } else {
                io.delete(oldest.path());
            }
            segments.removeFirst();
            recycled++;
        }
        if (recycled > 0) {
            io.syncDirectory(directory);
        }
        return recycled;
    }

    /** Leaves one header-only segment after {@code checkpointLsn} (see {@link JournalWriter#closeAfterCheckpoint}). */
    void trimAfterCheckpoint(long checkpointLsn) throws IOException {
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
            DurableFile fresh = createSegment(current.sequence() + 1, random.nextLong(), checkpointLsn + 1,
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
        boolean any = !spares.isEmpty();
        while (!spares.isEmpty()) {
            io.delete(spares.pollFirst());
        }
        return any;
    }

    /** Closes the current segment, if one is open. */
    void close() throws IOException {
        if (file != null) {
            file.close();
        }
    }
}
