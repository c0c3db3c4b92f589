package io.bucketdb.recovery;

import static io.bucketdb.recovery.JournalRecordLayout.FLAG_AFTER_FORCE;
import static io.bucketdb.recovery.JournalRecordLayout.PUT_KEY_LENGTH_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.PUT_KEY_OFFSET;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_DELETE;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_EVACUATED;
import static io.bucketdb.recovery.JournalRecordLayout.TYPE_PUT;
import static io.bucketdb.recovery.JournalSegmentLayout.HEADER_LENGTH;
import static io.bucketdb.storage.Layouts.INT;
import static io.bucketdb.storage.Layouts.LONG;

import io.bucketdb.recovery.JournalRecord.Delete;
import io.bucketdb.recovery.JournalRecord.Put;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends records to the journal in groups (docs/DESIGN.md, "The journal, and group commit"): records are encoded into one
 * buffer, {@link #flush()} copies the whole batch into the segment's shared mapping (one put, no system call; see
 * {@link JournalSegments}), and {@link #sync()} forces it with one force of the mapped range. A batch is split into
 * two puts only where it crosses into a new segment.
 *
 * <h2>Threads</h2>
 * One thread at a time (the holder of the pipeline's writer role) calls every method except {@link #writtenLsn()},
 * {@link #durableLsn()}, {@link #failed()} and {@link #forceWritten()}, which any thread may call: the LSNs are
 * volatile, written after the write or force they report has returned. {@link #forceWritten()} is {@code ASYNC}'s
 * periodic force, run beside the role (on the timer thread) while the role goes on appending and writing: an
 * {@code ASYNC} write is acknowledged after its journal write, so nobody waits for that force, and writers must not
 * wait behind its fsync either.
 *
 * <p>Every force, and every change of which file is current (a roll, a close), holds the lock of
 * {@code SegmentForces}, which keeps the durable LSN, the failure and the closed state the force beside the role shares
 * with the role; its comment says why the lock is enough. Writes take no lock: a put into the mapping and a force of
 * the same range may run at once, and the force covers every put that returned before it began.
 *
 * <h2>Segments</h2>
 * The segment files are {@link JournalSegments}'s; this class keeps the frames, the LSNs and the forces.
 * A segment holds up to {@link JournalOptions#segmentSize()} bytes. Its blocks are allocated as writes
 * reach them, from {@link #FIRST_ALLOCATION} doubling up to that size, so an open index with an idle
 * journal keeps a few blocks, not a whole segment, and an index opens on a full disk; each growth is a
 * size change that the next force makes durable, a handful per segment. When the next record does not
 * fit, the writer rolls: it forces the full segment (the reader relies on every earlier segment being complete once
 * a later one exists), creates the next one (header written, forced, directory synced), ends the full one with a
 * forced {@link SegmentRoll} frame (evidence that the next one exists) and goes on there. A record larger than a
 * segment gets a segment of its own, sized to fit; every segment keeps room for its roll frame.
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
 * (docs/DESIGN.md, "Rules no change may break"). Reopen the index to continue.
 */
public final class JournalWriter implements Closeable {
    /** Bytes allocated for a segment's first frames; every later growth doubles the allocation. */
    public static final long FIRST_ALLOCATION = 1L << 20;

    private final JournalOptions options;
    private final FrameBuffer buffer;
    /** The segment files: every file operation but the force of a sync. */
    private final JournalSegments segments;
    /** Segments the buffered frames roll into, in order; created on disk by the next flush. */
    private final List<Roll> rolls = new ArrayList<>();

    // Where the next appended frame goes: the last pending roll's segment, else the current file.
    private long appendSequence;
    private long appendSalt;
    private long appendPosition;
    /** Bytes of frames appended by this writer since it was opened (the checkpoint trigger reads it). */
    private long bytesAppended;
    private long appendCapacity;

    private long lastLsn;
    private volatile long writtenLsn;
    /** Bytes appended up to {@link #writtenLsn}: what a force beside the role reports in its JFR event. */
    private volatile long bytesWritten;
    private int frameAligned;
    /** The forces, the durable LSN, the failure and the closed state (see "Threads"). */
    private final SegmentForces forces = new SegmentForces();

    /** A segment that buffered frames from {@code bufferOffset} on belong to. */
    private record Roll(int bufferOffset, long sequence, long salt, long firstLsn, long capacity) {
    }

    private JournalWriter(DurableIO io, Path directory, JournalOptions options, List<Path> spares) {
        this.options = options;
        this.buffer = new FrameBuffer(options.bufferSize());
        this.segments = new JournalSegments(io, directory, options, spares, forces.lock);
    }

    /**
     * Opens the journal in {@code directory} for appending after its last valid record, creating it if there is none.
     * Older segments the checkpoint covers are retired, and a torn tail (see {@link JournalReader}) is overwritten with
     * zeros, and the last segment is forced, so that everything it holds is durable before anything new is appended:
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
            writer.current(writer.segments.openExisting(checkpointLsn));
        } catch (IOException | RuntimeException e) {
            writer.closeQuietly();
            throw e;
        }
        return writer;
    }

    /**
     * Opens a new journal after a recovery: a new segment whose first LSN is {@code checkpointLsn + 1}, made
     * durable (file and name), then every older segment retired (kept as a spare, else deleted on the preparer's
     * thread, as a recycle does). The caller has installed a checkpoint
     * at {@code checkpointLsn} that covers every record the old segments hold (the last one read, valid or
     * part of a batch that recovery dropped), so nothing in them is read again: replay starts at the newest
     * segment whose first LSN is at most the checkpoint's next. A crash before they are gone leaves old
     * segments that no replay reads (or spares); the next recovery retires them.
     *
     * <p>This is what makes crash chains safe (docs/DESIGN.md, "Durability"): no later life appends behind a former
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
        JournalWriter writer = new JournalWriter(io, directory, options, SegmentFiles.spares(directory));
        try {
            writer.current(writer.segments.openFresh(checkpointLsn));
        } catch (IOException | RuntimeException e) {
            writer.closeQuietly();
            throw e;
        }
        return writer;
    }

    /** Appends after {@code start}: the current segment, its salt, the last LSN and where the next frame goes. */
    private void current(JournalSegments.Position start) {
        lastLsn = start.lastLsn();
        appendSequence = start.sequence();
        appendSalt = start.salt();
        appendPosition = start.position();
        appendCapacity = start.capacity();
        writtenLsn = start.lastLsn();
        forces.durable(start.lastLsn(), 0);
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
        return forces.durableLsn();
    }

    /** {@return whether an earlier write or force failed; then every call but these getters throws} */
    public boolean failed() {
        return forces.failed();
    }

    /**
     * Appends {@code record} to the batch.
     *
     * @param record the record to append; its arrays must not change until this returns
     * @return its LSN
     * @throws IllegalStateException if the frame would be longer than {@link JournalOptions#maxFrameLength()}
     * @throws IOException if the journal failed earlier or is closed (appending itself only buffers)
     */
    public long append(JournalRecord record) throws IOException {
        return switch (record) {
            case Put p -> appendPut(p.key(), p.value());
            case Delete d -> appendDelete(MemorySegment.ofArray(d.key()));
            default -> {
                byte type = JournalPayloads.type(record);
                long payload = begin(type, JournalPayloads.markerPayloadLength(type));
                JournalPayloads.encodeMarker(record, buffer.memory(), payload);
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
     * @throws IllegalStateException if the frame would be longer than {@link JournalOptions#maxFrameLength()}
     * @throws IOException if the journal failed earlier or is closed (appending itself only buffers)
     */
    public long appendPut(byte[] key, byte[] value) throws IOException {
        return appendPut(MemorySegment.ofArray(key), 0, key.length, MemorySegment.ofArray(value), 0, value.length);
    }

    /**
     * Appends a PUT of the key at {@code key[keyOffset..]} to the value at {@code value[valueOffset..]}; copies both,
     * allocates nothing (a bulk flush journals its entries from its buffers, where a slice each would be an object each).
     *
     * @param key the key's bytes
     * @param keyOffset where the key starts
     * @param keyLength the key's length
     * @param value the value's bytes
     * @param valueOffset where the value starts
     * @param valueLength the value's length
     * @return the record's LSN
     * @throws IllegalStateException if the frame would be longer than {@link JournalOptions#maxFrameLength()}
     * @throws IOException if the journal failed earlier or is closed (appending itself only buffers)
     */
    public long appendPut(MemorySegment key, long keyOffset, long keyLength, MemorySegment value, long valueOffset,
                          long valueLength) throws IOException {
        long payload = begin(TYPE_PUT, PUT_KEY_OFFSET + keyLength + valueLength);
        MemorySegment memory = buffer.memory();
        memory.set(INT, payload + PUT_KEY_LENGTH_OFFSET, (int) keyLength);
        MemorySegment.copy(key, keyOffset, memory, payload + PUT_KEY_OFFSET, keyLength);
        MemorySegment.copy(value, valueOffset, memory, payload + PUT_KEY_OFFSET + keyLength, valueLength);
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
        memory.set(INT, payload + PUT_KEY_LENGTH_OFFSET, Long.BYTES);
        memory.set(LONG, payload + PUT_KEY_OFFSET, key);
        memory.set(LONG, payload + PUT_KEY_OFFSET + Long.BYTES, value);
        return end();
    }

    /**
     * Appends a DELETE of {@code key}; copies it.
     *
     * @param key the key's bytes
     * @return the record's LSN
     * @throws IllegalStateException if the frame would be longer than {@link JournalOptions#maxFrameLength()}
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
     * @throws IllegalStateException if the frame would be longer than {@link JournalOptions#maxFrameLength()}
     * @throws IOException if the journal failed earlier or is closed (appending itself only buffers)
     */
    public long appendDelete(MemorySegment key) throws IOException {
        long keyLength = key.byteSize();
        long payload = begin(TYPE_DELETE, keyLength);
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
        buffer.memory().set(LONG, payload, key);
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
        buffer.memory().set(LONG, payload, oldBucket);
        return end();
    }

    /**
     * Starts the next frame, rolling to a new segment first if it does not fit; returns the payload offset. Keys and
     * values are the caller's to check (the index checks them once, against the same {@link JournalOptions} limits);
     * what is checked here is the frame format's own limit: a frame longer than readers accept would read as damage.
     */
    private long begin(byte type, long payloadLength) throws IOException {
        forces.checkUsable();
        long frame = JournalRecordLayout.frameLength(payloadLength);
        if (frame > options.maxFrameLength()) {
            throw new IllegalStateException("a journal frame of " + frame + " bytes, longer than the "
                    + options.maxFrameLength() + " bytes readers accept: keys and values must be checked before they"
                    + " are journaled; nothing was appended");
        }
        long lsn = lastLsn + 1;
        int frameLength = (int) frame;
        frameAligned = JournalRecordLayout.alignedLength(frameLength);
        buffer.reserve(frameAligned);
        if (appendPosition + frameAligned + SegmentRoll.ALIGNED_LENGTH > appendCapacity) { // room for the roll frame
            long capacity = Math.max(options.segmentSize(), HEADER_LENGTH + frameAligned + SegmentRoll.ALIGNED_LENGTH);
            long salt = segments.newSalt();
            rolls.add(new Roll(buffer.length(), appendSequence + 1, salt, lsn, capacity));
            appendSequence++;
            appendSalt = salt;
            appendPosition = HEADER_LENGTH;
            appendCapacity = capacity;
        }
        byte flags = forces.durableLsn() == lsn - 1 ? FLAG_AFTER_FORCE : 0;
        return buffer.begin(type, flags, lsn, frameLength);
    }

    private long end() {
        buffer.end(appendSalt);
        appendPosition += frameAligned;
        bytesAppended += frameAligned;
        return ++lastLsn;
    }

    /**
     * Writes the buffered batch: one put into the segment's mapping, or one per segment where the batch rolls
     * into a new one. Not durable until {@link #sync()}.
     *
     * @throws IOException if the journal failed earlier or is closed, or the write or a segment roll fails
     *                     (the journal then stays failed)
     */
    public void flush() throws IOException {
        forces.checkUsable();
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
            bytesWritten = bytesAppended;
            writtenLsn = lastLsn;
        } catch (IOException e) {
            throw segments.unmapOnFailure(forces.fail(e));
        }
        rolls.clear();
        buffer.clear();
        // A force beside the role may have failed while this batch was written: the batch must not be
        // acknowledged after that (docs/DESIGN.md, "Hard rules"), so it fails as if its own write had.
        forces.checkUsable();
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
        if (forces.durableLsn() == writtenLsn) {
            return;
        }
        forces.lock.lock();
        try {
            forces.checkUsable();
            forceLocked();
        } finally {
            forces.lock.unlock();
        }
    }

    /**
     * {@code ASYNC}'s periodic force, from any thread, beside the role: forces what {@link #flush()} had written
     * when it began (every write acknowledged so far) while the role goes on appending and writing. Waits only for
     * a force or roll of the role that is running (see "Threads"); the role waits for this one only where it forces
     * or rolls itself. A close racing it is harmless: whichever comes second finds the other done.
     *
     * @return whether it forced anything (false: nothing unforced, or the writer is closed)
     * @throws IOException if the writer failed earlier or the force fails; the writer then stays failed, so the role's
     *                     next write throws and nothing written after this failure is acknowledged
     */
    public boolean forceWritten() throws IOException {
        forces.lock.lock();
        try {
            if (forces.closed()) {
                return false;
            }
            forces.checkUsable();
            return forceLocked();
        } finally {
            forces.lock.unlock();
        }
    }

    /** Forces the current file if something written is not durable yet; holds the forces' lock. */
    private boolean forceLocked() throws IOException {
        // Read before the force: every write this LSN reports returned before it, so the force covers it.
        long written = writtenLsn;
        return forces.forceTo(segments, written, bytesWritten);
    }

    private void writeBuffered(int from, int to) throws IOException {
        if (to > from) {
            segments.write(buffer.memory(), from, to);
        }
    }

    /**
     * Finishes the current segment and makes the one {@code roll} describes current. The full segment is forced here,
     * on the role, whatever forces run beside it: readers rely on every segment being complete once a later one
     * exists, and the next segment's frames may reach the disk any time after they are written.
     */
    private void roll(Roll roll) throws IOException {
        forces.lock.lock();
        try {
            forces.checkUsable();
            segments.force();
            forces.durable(roll.firstLsn() - 1, bytesWritten);
            segments.rollTo(roll.sequence(), roll.salt(), roll.firstLsn(), roll.capacity());
        } finally {
            forces.lock.unlock();
        }
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
        forces.checkUsable();
        return segments.recycleBelow(checkpointLsn);
    }

    /**
     * Syncs what is buffered (unless the writer has failed) and closes the current segment. A failed
     * writer closes without throwing its earlier failure again.
     */
    @Override
    public void close() throws IOException {
        if (forces.closed()) {
            return;
        }
        try {
            if (!forces.failed()) {
                sync();
            }
        } finally {
            closeLocked();
        }
    }

    /** Marks the writer closed and closes the current segment, holding the forces' lock (see "Threads"). */
    private void closeLocked() throws IOException {
        forces.lock.lock();
        try {
            forces.markClosed();
            segments.close();
        } finally {
            forces.lock.unlock();
        }
    }

    /** Tests: waits until the segment being prepared ahead, if any, is ready for the next roll. */
    void awaitPreparedSegment() {
        segments.awaitPrepared();
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
        if (forces.closed()) {
            return;
        }
        rolls.clear();
        buffer.clear();
        closeLocked();
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
        forces.checkUsable();
        forces.lock.lock();
        try {
            long durable = forces.durableLsn();
            if (buffer.length() != 0 || lastLsn != checkpointLsn || durable != checkpointLsn) {
                throw new IllegalStateException("records after the checkpoint at LSN " + checkpointLsn
                        + " (last LSN " + lastLsn + ", durable " + durable + ")");
            }
            segments.trimAfterCheckpoint(checkpointLsn);
        } catch (IOException e) {
            throw forces.fail(e);
        } finally {
            try {
                forces.markClosed();
                segments.close();
            } finally {
                forces.lock.unlock();
            }
        }
    }

    private void closeQuietly() {
        forces.markClosed();
        try {
            segments.close();
        } catch (IOException ignored) {
            // Already failing to open; the open's exception is the one that matters.
        }
    }
}
