package io.bucketdb.recovery;

import static io.bucketdb.recovery.JournalRecordLayout.FLAG_AFTER_FORCE;
import static io.bucketdb.recovery.JournalRecordLayout.PUT_KEY_LENGTH_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.PUT_KEY_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_DELETE;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_EVACUATED;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_PUT;
import static io.bucketdb.recovery.JournalSegmentLayout.HEADER_LENGTH;
import static io.bucketdb.recovery.LittleEndian.U32;
import static io.bucketdb.recovery.LittleEndian.U64;

import io.bucketdb.recovery.JournalRecord.Delete;
import io.bucketdb.recovery.JournalRecord.Put;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends records to the journal in groups (DESIGN.md, section 3.2): records are encoded into one
 * buffer, {@link #flush()} writes the whole batch with one {@link DurableFile#write}, and {@link #sync()}
 * forces it with one {@link DurableFile#force}. A batch is split into two writes only where it crosses
 * into a new segment.
 *
 * <h2>Threads</h2>
 * One thread (the pipeline's journal stage) calls every method except {@link #writtenLsn()} and
 * {@link #durableLsn()}, which any thread may read: they are volatile, written after the write or force
 * they report has returned.
 *
 * <h2>Segments</h2>
 * A segment holds up to {@link JournalOptions#segmentSize()} bytes. Its blocks are allocated as writes
 * reach them, from {@link #FIRST_ALLOCATION} doubling up to that size, so an open index with an idle
 * journal keeps a few blocks, not a whole segment, and an index opens on a full disk; each growth is a
 * size change that the next force makes durable, a handful per segment. When the next record does not
 * fit, the writer rolls: it forces the full segment (the reader relies on every
 * earlier segment being complete once a later one exists), creates the next one (allocated, header
 * written, forced, directory synced) and goes on there. A record larger than a segment gets a segment
 * of its own, sized to fit.
 *
 * <h2>Recycling</h2>
 * {@link #recycleBelow(long)} renames segments that a checkpoint covers to {@code journal-<seq>.spare}
 * (up to {@link JournalOptions#maxSpareSegments()}, deleting the rest), and a roll renames a spare to the
 * new segment's name and writes a new header with a fresh salt. Reusing files keeps their blocks
 * allocated and written, so appends to them do not convert unwritten extents. Records left from the
 * file's previous life never validate: their CRC covers the old salt, and their LSNs are lower.
 *
 * <h2>Failure</h2>
 * After any {@code IOException} from a write or force the writer has failed: every later call throws
 * {@code IOException("journal failed earlier: ...")} and {@link #durableLsn()} never advances again,
 * because after a failed force nothing written since the last good one may be assumed durable
 * (DESIGN.md, section 6). Reopen the index to continue.
 */
public final class JournalWriter implements Closeable {
    /** Bytes allocated for a segment's first frames; every later growth doubles the allocation. */
    public static final long FIRST_ALLOCATION = 1L << 20;

    private final DurableIO io;
    private final Path directory;
    private final JournalOptions options;
    private final FrameBuffer buffer;
    private final SecureRandom random = new SecureRandom();
    /** Segments on disk, oldest first; the last is {@link #file}. */
    private final List<Segment> segments = new ArrayList<>();
    private final ArrayDeque<Path> spares;
    /** Segments the buffered frames roll into, in order; created on disk by the next flush. */
    private final List<Roll> rolls = new ArrayList<>();

    private DurableFile file;
    /** Where the next flush writes in {@link #file}. */
    private long writePosition;
    /** Bytes of {@link #file} allocated so far; writes beyond it allocate first (see {@link #ensureAllocated}). */
    private long allocated;
    /** Bytes {@link #file} may hold before the writer rolls: its segment's capacity. */
    private long fileCapacity;

    // Where the next appended frame goes: the last pending roll's segment, else the current file.
    private long appendSequence;
    private long appendSalt;
    private long appendPosition;
    /** Bytes of frames appended by this writer since it was opened (the checkpoint trigger reads it). */
    private long bytesAppended;
    /** {@link #bytesAppended} at the last force by {@link #sync()}, for its JFR event. */
    private long bytesAtForce;
    private long appendCapacity;

    private long lastLsn;
    private volatile long writtenLsn;
    private volatile long durableLsn;
    private int frameAligned;
    private IOException failure;
    private boolean closed;

    /** A segment on disk. */
    private record Segment(long sequence, long firstLsn, Path path) {
    }

    /** A segment that buffered frames from {@code bufferOffset} on belong to. */
    private record Roll(int bufferOffset, long sequence, long salt, long firstLsn, long capacity) {
    }

    private JournalWriter(DurableIO io, Path directory, JournalOptions options, List<Path> spares) {
        this.io = io;
        this.directory = directory;
        this.options = options;
        this.buffer = new FrameBuffer(options.bufferSize());
        this.spares = new ArrayDeque<>(spares);
    }

    /**
     * Opens the journal in {@code directory} for appending after its last valid record, creating it if
     * there is none. A torn tail (see {@link JournalReader}) is overwritten with zeros first, and the
     * last segment is forced, so that everything it holds is durable before anything new is appended:
     * otherwise a valid leftover frame from before the crash could line up with the new records and be
     * replayed as if it had been written after them.
     *
     * @param io the durable I/O every journal byte goes through
     * @param directory the index directory, where the segments live
     * @param options segment size, record limits, buffer size and spare segments
     * @param checkpointLsn the LSN of the table image's checkpoint; a new journal starts after it
     * @return the writer, positioned after the last valid record (or at the start of a new journal)
     * @throws CorruptIndexException if the last segment is damaged (replay it with
     *                               {@link DamagePolicy#TRUNCATE} first) or ends before the checkpoint
     * @throws IOException if a segment cannot be read, zeroed, created or forced
     */
    public static JournalWriter open(DurableIO io, Path directory, JournalOptions options, long checkpointLsn)
            throws IOException {
        io.createDirectories(directory);
        JournalWriter writer = new JournalWriter(io, directory, options, SegmentFiles.spares(directory));
        try {
            writer.openSegments(checkpointLsn);
        } catch (IOException | RuntimeException e) {
            writer.closeQuietly();
            throw e;
        }
        return writer;
    }

    private void openSegments(long checkpointLsn) throws IOException {
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
            current(last.sequence(), lastHeader.salt(), walk.lastLsn(), walk.end(),
                    Math.max(options.segmentSize(), file.size()));
        } else {
            removeUnborn(scanner, unborn, checkpointLsn + 1);
            startFresh(unborn != null ? unborn.sequence() : 1, checkpointLsn);
        }
    }

    /**
     * Opens a new journal after a recovery: a new segment whose first LSN is {@code checkpointLsn + 1}, made
     * durable (file and name), then the deletion of every older segment. The caller has installed a checkpoint
     * at {@code checkpointLsn} that covers every record the old segments hold (the last one read, valid or
     * part of a batch that recovery dropped), so nothing in them is read again: replay starts at the newest
     * segment whose first LSN is at most the checkpoint's next. A crash before the deletions leaves old
     * segments that no replay reads; the next recovery deletes them.
     *
     * <p>This is what makes crash chains safe (DESIGN.md, section 3): no later life appends behind a former
     * crash's torn tail, a batch it cut, growth markers its replay did not journal, or frames that were only
     * ever in the page cache because their force failed.
     *
     * @param io the durable I/O every journal byte goes through
     * @param directory the index directory, where the segments live
     * @param options segment size, record limits, buffer size and spare segments
     * @param checkpointLsn the LSN of the installed checkpoint, at or above every LSN in the old segments
     * @return the writer, at the start of the new segment
     * @throws IOException if the segment cannot be created or forced, or an old one cannot be deleted
     */
    public static JournalWriter openFresh(DurableIO io, Path directory, JournalOptions options, long checkpointLsn)
            throws IOException {
        io.createDirectories(directory);
        List<SegmentFiles.Entry> old = SegmentFiles.segments(directory);
        JournalWriter writer = new JournalWriter(io, directory, options, SegmentFiles.spares(directory));
        try {
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
            writer.startFresh(withHeader.isEmpty() ? 1 : withHeader.getLast().sequence() + 1, checkpointLsn);
            for (SegmentFiles.Entry entry : withHeader) {
                io.delete(entry.path());
            }
            if (!withHeader.isEmpty()) {
                io.syncDirectory(directory);
            }
        } catch (IOException | RuntimeException e) {
            writer.closeQuietly();
            throw e;
        }
        return writer;
    }

    /** Creates segment {@code sequence}, starting after {@code checkpointLsn}, and makes it current. */
    private void startFresh(long sequence, long checkpointLsn) throws IOException {
        long salt = random.nextLong();
        file = createSegment(sequence, salt, checkpointLsn + 1, options.segmentSize());
        segments.add(new Segment(sequence, checkpointLsn + 1, file.path()));
        current(sequence, salt, checkpointLsn, HEADER_LENGTH, options.segmentSize());
    }

    /** Makes {@link #file} (segment {@code sequence}) the one appended to, after record {@code lsn}. */
    private void current(long sequence, long salt, long lsn, long position, long capacity) throws IOException {
        lastLsn = lsn;
        writePosition = position;
        appendSequence = sequence;
        appendSalt = salt;
        appendPosition = position;
        appendCapacity = capacity;
        fileCapacity = capacity;
        allocated = file.size();
        writtenLsn = lsn;
        durableLsn = lsn;
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

    /** {@return bytes of frames appended since this writer was opened, padding included; the owner's thread only} */
    public long bytesAppended() {
        return bytesAppended;
    }

    /** {@return the LSN of the last record appended (buffered or not); the checkpoint LSN before the first one} */
    public long lastLsn() {
        return lastLsn;
    }

    /** {@return the LSN of the last record handed to the file system by {@link #flush()}; safe from any thread} */
    public long writtenLsn() {
        return writtenLsn;
    }

    /** {@return the LSN of the last record covered by a successful force; safe from any thread} */
    public long durableLsn() {
        return durableLsn;
    }

    /** {@return whether an earlier write or force failed; then every call but these getters throws} */
    public boolean failed() {
        return failure != null;
    }

    /**
     * Appends {@code record} to the batch.
     *
     * @param record the record to append; its arrays must not change until this returns
     * @return its LSN
     * @throws IllegalArgumentException if a key or value exceeds the {@link JournalOptions} limits
     * @throws IOException if the journal failed earlier or is closed (appending itself only buffers)
     */
    public long append(JournalRecord record) throws IOException {
        return switch (record) {
            case Put p -> appendPut(MemorySegment.ofArray(p.key()), MemorySegment.ofArray(p.value()));
            case Delete d -> appendDelete(MemorySegment.ofArray(d.key()));
            default -> {
                byte type = RecordCodec.type(record);
                long payload = begin(type, RecordCodec.markerPayloadLength(type));
                RecordCodec.encodeMarker(record, buffer.memory(), payload);
                yield end();
            }
        };
    }

    /**
     * Appends a PUT of {@code key → value}; copies both.
     *
     * @param key the key's bytes
     * @param value the value's bytes
     * @return the record's LSN
     * @throws IllegalArgumentException if the key or value exceeds the {@link JournalOptions} limits
     * @throws IOException if the journal failed earlier or is closed (appending itself only buffers)
     */
    public long appendPut(byte[] key, byte[] value) throws IOException {
        return appendPut(MemorySegment.ofArray(key), MemorySegment.ofArray(value));
    }

    /**
     * Appends a PUT of {@code key → value} (all bytes of each segment); copies both, allocates nothing.
     *
     * @param key the key's bytes
     * @param value the value's bytes
     * @return the record's LSN
     * @throws IllegalArgumentException if the key or value exceeds the {@link JournalOptions} limits
     * @throws IOException if the journal failed earlier or is closed (appending itself only buffers)
     */
    public long appendPut(MemorySegment key, MemorySegment value) throws IOException {
        long keyLength = checkKey(key.byteSize());
        if (value.byteSize() > options.maxValueLength()) {
            throw new IllegalArgumentException("value of " + value.byteSize() + " bytes exceeds the limit of "
                    + options.maxValueLength());
        }
        long payload = begin(TYPE_PUT, (int) (PUT_KEY_OFFSET + keyLength + value.byteSize()));
        MemorySegment memory = buffer.memory();
        memory.set(U32, payload + PUT_KEY_LENGTH_OFFSET, (int) keyLength);
        MemorySegment.copy(key, 0, memory, payload + PUT_KEY_OFFSET, keyLength);
        MemorySegment.copy(value, 0, memory, payload + PUT_KEY_OFFSET + keyLength, value.byteSize());
        return end();
    }

    /**
     * Appends a PUT of the 8-byte little-endian {@code key} to the 8-byte little-endian {@code value};
     * allocates nothing. Replays as {@link Put} with 8-byte arrays.
     *
     * @param key the key
     * @param value the value
     * @return the record's LSN
     * @throws IOException if the journal failed earlier or is closed (appending itself only buffers)
     */
    public long appendPutLong(long key, long value) throws IOException {
        long payload = begin(TYPE_PUT, PUT_KEY_OFFSET + 2 * Long.BYTES);
        MemorySegment memory = buffer.memory();
        memory.set(U32, payload + PUT_KEY_LENGTH_OFFSET, Long.BYTES);
        memory.set(U64, payload + PUT_KEY_OFFSET, key);
        memory.set(U64, payload + PUT_KEY_OFFSET + Long.BYTES, value);
        return end();
    }

    /**
     * Appends a DELETE of {@code key}; copies it.
     *
     * @param key the key's bytes
     * @return the record's LSN
     * @throws IllegalArgumentException if the key exceeds the {@link JournalOptions} limit
     * @throws IOException if the journal failed earlier or is closed (appending itself only buffers)
     */
    public long appendDelete(byte[] key) throws IOException {
        return appendDelete(MemorySegment.ofArray(key));
    }

    /**
     * Appends a DELETE of {@code key} (all bytes of the segment); copies it, allocates nothing.
     *
     * @param key the key's bytes
     * @return the record's LSN
     * @throws IllegalArgumentException if the key exceeds the {@link JournalOptions} limit
     * @throws IOException if the journal failed earlier or is closed (appending itself only buffers)
     */
    public long appendDelete(MemorySegment key) throws IOException {
        long keyLength = checkKey(key.byteSize());
        long payload = begin(TYPE_DELETE, (int) keyLength);
        MemorySegment.copy(key, 0, buffer.memory(), payload, keyLength);
        return end();
    }

    /**
     * Appends a DELETE of the 8-byte little-endian {@code key}; allocates nothing.
     *
     * @param key the key
     * @return the record's LSN
     * @throws IOException if the journal failed earlier or is closed (appending itself only buffers)
     */
    public long appendDeleteLong(long key) throws IOException {
        long payload = begin(TYPE_DELETE, Long.BYTES);
        buffer.memory().set(U64, payload, key);
        return end();
    }

    /**
     * Appends an EVACUATED marker for old bucket {@code oldBucket}; allocates nothing. The writer
     * appends one per evacuation step while the table grows (two per put), so this cannot go through
     * {@link #append(JournalRecord)} with a record object each. Replays as {@link JournalRecord.Evacuated}.
     *
     * @param oldBucket the index of the old bucket evacuated
     * @return the record's LSN
     * @throws IOException if the journal failed earlier or is closed (appending itself only buffers)
     */
    public long appendEvacuated(long oldBucket) throws IOException {
        long payload = begin(TYPE_EVACUATED, Long.BYTES);
        buffer.memory().set(U64, payload, oldBucket);
        return end();
    }

    private long checkKey(long length) {
        if (length > options.maxKeyLength()) {
            throw new IllegalArgumentException("key of " + length + " bytes exceeds the limit of "
                    + options.maxKeyLength());
        }
        return length;
    }

    /** Starts the next frame, rolling to a new segment first if it does not fit; returns the payload offset. */
    private long begin(byte type, int payloadLength) throws IOException {
        checkUsable();
        long lsn = lastLsn + 1;
        int frameLength = (int) JournalRecordLayout.frameLength(payloadLength);
        frameAligned = JournalRecordLayout.alignedLength(frameLength);
        buffer.reserve(frameAligned);
        if (appendPosition + frameAligned > appendCapacity) {
            long capacity = Math.max(options.segmentSize(), HEADER_LENGTH + frameAligned);
            long salt = random.nextLong();
            rolls.add(new Roll(buffer.length(), appendSequence + 1, salt, lsn, capacity));
            appendSequence++;
            appendSalt = salt;
            appendPosition = HEADER_LENGTH;
            appendCapacity = capacity;
        }
        byte flags = durableLsn == lsn - 1 ? FLAG_AFTER_FORCE : 0;
        return buffer.begin(type, flags, lsn, frameLength);
    }

    private long end() {
        buffer.end(appendSalt);
        appendPosition += frameAligned;
        bytesAppended += frameAligned;
        return ++lastLsn;
    }

    /**
     * Writes the buffered batch: one {@link DurableFile#write}, or one per segment where the batch rolls
     * into a new one. Not durable until {@link #sync()}.
     *
     * @throws IOException if the journal failed earlier or is closed, or the write or a segment roll fails
     *                     (the journal then stays failed)
     */
    public void flush() throws IOException {
        checkUsable();
        if (buffer.length() == 0) {
            return;
        }
        try {
            int from = 0;
            // Indexed, not for-each: this runs once per batch on the writer thread, and the list's
            // iterator was an allocation per put for a blocking caller (a JFR of a 10M load).
            for (int i = 0, n = rolls.size(); i < n; i++) {
                Roll roll = rolls.get(i);
                writeBuffered(from, roll.bufferOffset());
                writtenLsn = roll.firstLsn() - 1;
                roll(roll);
                from = roll.bufferOffset();
            }
            writeBuffered(from, buffer.length());
            writtenLsn = lastLsn;
        } catch (IOException e) {
            throw fail(e);
        }
        rolls.clear();
        buffer.clear();
    }

    /**
     * Flushes, then forces the current segment if anything written is not durable yet: one force per
     * batch. {@link #durableLsn()} advances only when the force returns normally.
     *
     * @throws IOException if the journal failed earlier or is closed, or the write or force fails (the journal
     *                     then stays failed)
     */
    public void sync() throws IOException {
        flush();
        long written = writtenLsn;
        if (durableLsn == written) {
            return;
        }
        JournalForceEvent event = new JournalForceEvent();
        event.begin();
        try {
            file.force();
        } catch (IOException e) {
            throw fail(e);
        }
        event.end();
        if (event.shouldCommit()) {
            event.bytes = bytesAppended - bytesAtForce;
            event.records = written - durableLsn;
            event.durableLsn = written;
            event.commit();
        }
        bytesAtForce = bytesAppended;
        durableLsn = written;
    }

    private void writeBuffered(int from, int to) throws IOException {
        if (to > from) {
            ensureAllocated(writePosition + (to - from));
            file.write(writePosition, buffer.slice(from, to));
            writePosition += to - from;
        }
    }

    /**
     * Allocates {@link #file} through {@code end} before a write reaches it, doubling the allocation (from
     * {@link #FIRST_ALLOCATION}, at most the segment's capacity), so a full disk fails the allocation with an
     * {@code IOException} before any frame is written and a segment changes size only a few times.
     */
    private void ensureAllocated(long end) throws IOException {
        if (end <= allocated) {
            return;
        }
        long target = Math.max(FIRST_ALLOCATION, allocated);
        while (target < end) {
            target <<= 1;
        }
        target = Math.max(end, Math.min(target, fileCapacity));
        file.allocate(target);
        allocated = target;
    }

    /** Finishes the current segment and makes the one {@code roll} describes current. */
    private void roll(Roll roll) throws IOException {
        file.force();
        durableLsn = roll.firstLsn() - 1;
        DurableFile next = createSegment(roll.sequence(), roll.salt(), roll.firstLsn(), roll.capacity());
        DurableFile previous = file;
        file = next;
        writePosition = HEADER_LENGTH;
        fileCapacity = roll.capacity();
        allocated = next.size();
        segments.add(new Segment(roll.sequence(), roll.firstLsn(), next.path()));
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

    /**
     * Recycles every segment whose records all have an LSN at or below {@code checkpointLsn}, oldest
     * first, never the current one. Recycled files become spares for later rolls, up to
     * {@link JournalOptions#maxSpareSegments()}; the others are deleted. A failure here leaves the
     * journal readable and the writer usable: it only leaves segments that could have been recycled.
     *
     * @param checkpointLsn the LSN the table file's checkpoint covers
     * @return how many segments were recycled or deleted
     * @throws IOException if a rename, delete or directory sync fails
     */
    public int recycleBelow(long checkpointLsn) throws IOException {
        checkUsable();
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

    /**
     * Syncs what is buffered (unless the writer has failed) and closes the current segment. A failed
     * writer closes without throwing its earlier failure again.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (failure == null) {
                sync();
            }
        } finally {
            closed = true;
            file.close();
        }
    }

    /**
     * Closes the current segment without writing anything: what is buffered is dropped. For an index that
     * failed: after a failed write, force or apply, the buffer holds only records that no caller was told
     * succeeded (and possibly growth markers of an apply that was rolled back), and writing them would put
     * into the journal what replay cannot explain.
     *
     * @throws IOException if closing the file fails
     */
    public void abandon() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        rolls.clear();
        buffer.clear();
        file.close();
    }

    /**
     * Closes the journal of a cleanly closed index, whose last checkpoint covers every record
     * ({@code checkpointLsn} is {@link #lastLsn()}, and that checkpoint's header is durable): leaves one
     * segment that holds only its header, whose first LSN is {@code checkpointLsn + 1}, not preallocated,
     * and deletes every older segment and every spare. The next open then reads no frame that the
     * checkpoint already covers, and the directory keeps no preallocated journal; {@link #open}
     * preallocates the segment again before anything is appended.
     *
     * <p>A crash at any step leaves a journal that {@link JournalReader} and {@link #open} accept:
     * <ul>
     *   <li>the empty segment is created (or the current one, if it holds no record, cut to its header)
     *       and made durable, file and name, before anything is deleted. Until then the old segments are
     *       all there and replay after the checkpoint finds nothing in them; a segment whose header did
     *       not survive is the last one and record-free, which readers take for an interrupted creation;</li>
     *   <li>after that, replay starts at the empty segment (its first LSN is the checkpoint's next), so
     *       whichever older segments and spares a crash leaves undeleted are never read.</li>
     * </ul>
     *
     * @param checkpointLsn the LSN of the installed checkpoint, which must be the last LSN appended
     * @throws IllegalStateException if records after {@code checkpointLsn} were appended
     * @throws IOException if the journal failed earlier or is closed, or a create, truncate, force, delete or
     *                     directory sync fails (the journal is still readable; the writer is closed either way)
     */
    public void closeAfterCheckpoint(long checkpointLsn) throws IOException {
        checkUsable();
        try {
            if (buffer.length() != 0 || lastLsn != checkpointLsn || durableLsn != checkpointLsn) {
                throw new IllegalStateException("records after the checkpoint at LSN " + checkpointLsn
                        + " (last LSN " + lastLsn + ", durable " + durableLsn + ")");
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
        } catch (IOException e) {
            throw fail(e);
        } finally {
            closed = true;
            file.close();
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

    private void closeQuietly() {
        closed = true;
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // Already failing to open; the open's exception is the one that matters.
            }
        }
    }

    private void checkUsable() throws IOException {
        if (failure != null) {
            throw new IOException("journal failed earlier: " + failure.getMessage(), failure);
        }
        if (closed) {
            throw new IOException("journal writer is closed");
        }
    }

    private IOException fail(IOException e) {
        failure = e;
        return e;
    }
}
