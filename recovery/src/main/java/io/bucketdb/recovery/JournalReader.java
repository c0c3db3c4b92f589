package io.bucketdb.recovery;

import static io.bucketdb.recovery.JournalSegmentLayout.FIRST_LSN_OFFSET;
import static io.bucketdb.recovery.JournalSegmentLayout.HEADER_LENGTH;
import static io.bucketdb.recovery.JournalSegmentLayout.SALT_OFFSET;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Replays a journal directory on open: every valid record after a checkpoint LSN, in order, across
 * segments, then tells a crash's torn tail (ignored) from damage (an exception, or a cut with
 * {@link DamagePolicy#TRUNCATE}).
 *
 * <h2>Where replay stops</h2>
 * At the first frame that is not valid: bad length, unknown type or flags, an LSN other than the next
 * one, a CRC mismatch (which also rejects frames left from a recycled file's previous life, because the
 * CRC covers the segment salt) or non-zero padding. Segment sequences must be consecutive, and each
 * segment's first LSN must continue the previous one.
 *
 * <h2>Torn or damaged</h2>
 * A crash (power loss) can lose or keep any part of a write that was not forced, in any order, so valid
 * frames may follow an invalid one within the unforced part: that alone does not prove damage. What
 * does prove it:
 * <ul>
 *   <li>a later segment with a valid header. The writer forces a segment completely before it creates
 *       the next one, so an earlier segment must end exactly where the next one's first LSN says;</li>
 *   <li>in the last segment, a valid frame after the invalid point flagged
 *       {@link JournalRecordLayout#FLAG_AFTER_FORCE}: it was written after everything before it had
 *       been forced, so the invalid frame had been durable;</li>
 *   <li>more frame-like bytes after the invalid point than any write leaves (hostile input);</li>
 *   <li>a missing segment file, or a segment without a valid header that is not the last one, or
 *       the last one with frames shaped like the next records right after its header: the writer
 *       forces a header before it writes records behind it, so only a header-less last segment without
 *       records can be one whose creation a crash interrupted (it is ignored);</li>
 *   <li>a segment ending with a roll frame ({@link SegmentRoll}) whose next segment is missing, has no valid header,
 *       or has another sequence, salt or first LSN than the frame names. The writer writes that frame only after the
 *       next segment is durable and before it appends anything there, so this is how the loss of the <em>newest</em>
 *       segment, which nothing else records, shows. A segment without a roll frame (a journal written before it
 *       existed, or a roll a crash interrupted) is judged as before. On a live journal (a view, a tool beside the
 *       writer), a next segment created after the directory was listed is looked up again, and the replay ends at
 *       the roll.</li>
 * </ul>
 * Replay hands roll frames to no consumer and counts them as no record.
 * Anything else after the last valid record is a torn tail: it is ignored and its size reported.
 *
 * <h2>Damage the checkpoint covers</h2>
 * Replay starts at the segment holding the record after the checkpoint and walks it from its header.
 * An invalid frame at or below the checkpoint LSN there is damage (the journal was forced before the
 * checkpoint), but nothing in it is needed: the walk resynchronizes on the intact frame chain that
 * reaches the record after the checkpoint and goes on from there (see
 * {@link SegmentScanner#walkPastCovered}). {@link #check} reports such damage as
 * {@link JournalCheck#coveredDamage()}, not as a reason to refuse the journal. Damage after the
 * checkpoint LSN is judged as above.
 *
 * <p>Limitation, inherent to one force per batch: bit rot inside the last forced batch, with no later
 * batch to carry the flag, looks exactly like a torn unforced batch and is reported as torn bytes.
 *
 * <p>The reader changes nothing on disk except under {@link DamagePolicy#TRUNCATE} and in
 * {@link #rewriteReplayed} (the same bytes, written again). Torn bytes are
 * zeroed by {@link JournalWriter#open} before it appends over them.
 */
public final class JournalReader {
    private final DurableIO io;
    private final Path directory;
    private final JournalOptions options;
    private final boolean journalRequired;
    /** Where the last replay's records of its last segment lie, for {@link #rewriteReplayed}; null before a replay. */
    private Path replayedFile;
    private long replayedFrom;
    private long replayedTo;

    /**
     * A reader of the journal of a cleanly closed index in {@code directory}, whose journal may be missing
     * (nothing after the checkpoint needs it).
     *
     * @param io        the durable I/O to read through
     * @param directory the index directory holding the journal segments
     * @param options   the options the journal was written with
     */
    public JournalReader(DurableIO io, Path directory, JournalOptions options) {
        this(io, directory, options, false);
    }

    /**
     * A reader of the journal in {@code directory}.
     *
     * @param io              the durable I/O to read through
     * @param directory       the index directory holding the journal segments
     * @param options         the options the journal was written with
     * @param journalRequired whether the index was not closed cleanly: then a segment holding the records after
     *                        the checkpoint must exist (a writer keeps one from its open on), and a journal
     *                        that is missing, or whose only file has no valid header, is damage, not an empty
     *                        journal: writes acknowledged since the checkpoint would otherwise vanish unnoticed
     */
    public JournalReader(DurableIO io, Path directory, JournalOptions options, boolean journalRequired) {
        this.io = io;
        this.directory = directory;
        this.options = options;
        this.journalRequired = journalRequired;
    }

    /**
     * Hands every valid record with an LSN above {@code afterLsn} to {@code consumer}, in LSN order.
     *
     * @param afterLsn the checkpoint LSN: records up to it are already in the table image; the journal
     *                 must hold every record after it
     * @param policy what to do about damage: {@link DamagePolicy#FAIL} throws, {@link DamagePolicy#TRUNCATE} cuts the
     *               journal there
     * @param consumer receives each record with its LSN
     * @return what was replayed, and what was dropped as a torn tail or under the policy
     * @throws CorruptIndexException if the journal is damaged (with {@link DamagePolicy#FAIL}), misses
     *                               records after {@code afterLsn}, or cannot be read by this version
     * @throws IOException if a segment cannot be read, or the consumer throws to stop the replay
     */
    public ReplayReport replay(long afterLsn, DamagePolicy policy, RecordConsumer consumer) throws IOException {
        Replay replay = new Replay(afterLsn, policy, consumer);
        ReplayReport report = replay.run();
        replayedFile = replay.lastFile;
        replayedFrom = replay.lastEnd - replay.lastDeliveredBytes;
        replayedTo = replay.lastEnd;
        return report;
    }

    /**
     * Writes the header of the last segment the last {@link #replay} read, and the records it handed over from it, again
     * as read, and forces them: the one write of a reader outside {@link DamagePolicy#TRUNCATE}, for a recovery about to
     * end with a checkpoint at the last LSN it read. They may exist only in the page cache: a writer of an earlier life
     * in this boot wrote them (the records, or the segment a recovery started) and its force failed, and Linux then
     * marks the pages clean without writing them. Until the new segment after that checkpoint is durable the old ones
     * are the journal, and a power loss meanwhile would leave one that ends below the checkpoint, or a segment without
     * its header before a later one, or a gap where its name was, which no open accepts. Rewritten, the pages are dirty
     * again and the force writes them; the directory is synced for the name. Only the last segment can hold such bytes: the writer forces a segment completely before it creates the
     * next one.
     *
     * @throws IOException if the segment cannot be written or forced, or the directory synced
     */
    public void rewriteReplayed() throws IOException {
        if (replayedFile == null) {
            return;
        }
        try (DurableFile file = io.open(replayedFile, DurableIO.Mode.OPEN_EXISTING)) {
            writeAgain(file, 0, HEADER_LENGTH);
            writeAgain(file, Math.max(HEADER_LENGTH, replayedFrom), replayedTo);
            file.force();
        }
        io.syncDirectory(directory); // and its name: the sync of the segment a recovery started comes after its force
    }

    private static void writeAgain(DurableFile file, long from, long to) throws IOException {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) Math.min(1 << 20, Math.max(0, to - from)));
        for (long pos = from; pos < to; ) {
            buf.clear().limit((int) Math.min(buf.capacity(), to - pos));
            file.read(pos, buf);
            buf.flip();
            file.write(pos, buf);
            pos += buf.limit();
        }
    }

    /**
     * Judges the journal after {@code afterLsn} exactly as {@link #replay} with {@link DamagePolicy#FAIL}
     * does on open, reading only: {@code bucketdb verify} calls damage what an open would refuse, and a
     * torn tail what an open would drop.
     *
     * @param afterLsn the checkpoint LSN, as for {@link #replay}
     * @return the damage, torn tail and records an open would find
     * @throws IOException if a segment cannot be read (the file system failed, or a live writer recycled
     *                     a segment meanwhile): that is not damage
     */
    public JournalCheck check(long afterLsn) throws IOException {
        Replay replay = new Replay(afterLsn, DamagePolicy.FAIL, RecordConsumer.discarding());
        try {
            ReplayReport report = replay.run();
            boolean torn = report.tornBytes() > 0;
            return new JournalCheck(null, torn ? replay.lastFile : null, torn ? replay.lastEnd : 0, report.tornBytes(),
                    report.recordsRead(), replay.deliveredBytes, report.lastLsn(), replay.coveredDamage);
        } catch (CorruptIndexException e) {
            return new JournalCheck(e, null, 0, 0, replay.delivered, replay.deliveredBytes, afterLsn + replay.delivered,
                    replay.coveredDamage);
        }
    }

    /** One replay's state. */
    private final class Replay {
        private final long afterLsn;
        private final DamagePolicy policy;
        private final RecordConsumer consumer;
        private final SegmentScanner scanner = new SegmentScanner(options);
        private List<SegmentFiles.Entry> files;
        private SegmentHeader[] headers;
        private long delivered;
        private long deliveredBytes;
        private int seen;
        /** The first invalid frame at or below the checkpoint that the walk resumed after; null if none. */
        private CorruptIndexException coveredDamage;
        /** Where the kept journal ends: the last segment read and the end of its last valid record. */
        private Path lastFile;
        private long lastEnd;
        /** Bytes of the records the last segment handed over, which end at {@link #lastEnd}. */
        private long lastDeliveredBytes;

        Replay(long afterLsn, DamagePolicy policy, RecordConsumer consumer) {
            this.afterLsn = afterLsn;
            this.policy = policy;
            this.consumer = consumer;
        }

        ReplayReport run() throws IOException {
            files = SegmentFiles.segments(directory);
            headers = new SegmentHeader[files.size()];
            int firstBorn = -1;
            int start = -1;
            for (int i = 0; i < files.size(); i++) {
                headers[i] = SegmentHeader.read(io, files.get(i).path(), files.get(i).sequence());
                if (headers[i] != null) {
                    firstBorn = firstBorn < 0 ? i : firstBorn;
                    start = headers[i].firstLsn() <= afterLsn + 1 ? i : start;
                }
            }
            if (firstBorn < 0) {
                return withoutSegments();
            }
            if (start < 0) {
                throw new CorruptIndexException(files.get(firstBorn).path(), FIRST_LSN_OFFSET,
                        "a journal holding every record after the checkpoint at LSN " + afterLsn
                                + ", but its oldest segment starts at LSN " + headers[firstBorn].firstLsn());
            }
            return run(start);
        }

        private ReplayReport run(int start) throws IOException {
            for (int i = start; ; i++) {
                SegmentScanner.Walk walk = walk(i);
                if (!isLast(i)) {
                    CorruptIndexException damage = linkDamage(i, walk);
                    if (damage != null) {
                        return damaged(i, walk, damage);
                    }
                    continue;
                }
                if (walk.roll() != null) {
                    CorruptIndexException damage = rollDamage(i, walk);
                    if (damage != null) {
                        return damaged(i, walk, damage);
                    }
                    return finish(i, walk, 0, 0);
                }
                if (i + 1 < files.size() && recordLike(i + 1, walk.lastLsn() + 1) > 0) {
                    return damaged(i, walk, unreadableHeader(files.get(i + 1), walk.lastLsn() + 1));
                }
                SegmentScanner.Tail tail = scanTail(i, walk, policy == DamagePolicy.TRUNCATE);
                if (tail.damaged()) {
                    return damaged(i, walk, tailDamage(i, walk, tail));
                }
                return finish(i, walk, tail.tornEnd() - tail.start(), 0);
            }
        }

        /**
         * No segment has a valid header. Fine for one file whose creation a crash interrupted; anything
         * else lost its headers to damage.
         */
        ReplayReport withoutSegments() throws IOException {
            if (files.isEmpty()) {
                if (journalRequired && policy == DamagePolicy.FAIL) {
                    throw new CorruptIndexException(SegmentFiles.segmentPath(directory, 1), 0, "a journal segment"
                            + " holding the records after the checkpoint at LSN " + afterLsn + " (the index was not"
                            + " closed cleanly, so its writer kept one), found no journal segment in " + directory
                            + "; open with truncateOnDamage to accept losing the writes since that checkpoint");
                }
                return new ReplayReport(0, afterLsn, 0, 0, 0);
            }
            long orphans = recordLike(0, afterLsn + 1);
            if (files.size() == 1 && orphans == 0 && !journalRequired) {
                return new ReplayReport(0, afterLsn, 0, 0, 0);
            }
            if (policy == DamagePolicy.FAIL) {
                if (files.size() == 1 && orphans == 0) {
                    throw new CorruptIndexException(files.getFirst().path(), 0, "a valid header for segment "
                            + files.getFirst().sequence() + " (the index was not closed cleanly, so this segment holds"
                            + " the records after the checkpoint at LSN " + afterLsn + "), found "
                            + whyNoHeader(files.getFirst()) + "; open with truncateOnDamage to accept losing them");
                }
                throw unreadableHeader(files.getFirst(), afterLsn + 1);
            }
            for (int j = files.size() - 1; j >= 0; j--) {
                io.delete(files.get(j).path());
            }
            io.syncDirectory(directory);
            return new ReplayReport(0, afterLsn, 0, orphans, 0);
        }

        /**
         * Whether segment {@code i} is the last one: nothing follows it, or only a file whose header is
         * not valid (one a crash may have interrupted while creating it).
         */
        private boolean isLast(int i) {
            return i + 1 == files.size() || (i + 2 == files.size() && headers[i + 1] == null
                    && files.get(i + 1).sequence() == files.get(i).sequence() + 1);
        }

        private SegmentScanner.Walk walk(int i) throws IOException {
            try (DurableFile file = io.open(files.get(i).path(), DurableIO.Mode.READ_ONLY)) {
                scanner.attach(file, headers[i].salt());
                SegmentScanner.Walk walk = scanner.walkPastCovered(HEADER_LENGTH, headers[i].firstLsn(), afterLsn,
                        afterLsn, consumer);
                if (walk.skipped() && coveredDamage == null) {
                    coveredDamage = new CorruptIndexException(files.get(i).path(), walk.skippedAt(), "a record with LSN "
                            + walk.skippedLsn() + " (at or below the checkpoint at LSN " + afterLsn + ", so no replay"
                            + " needs it; replay resumed after it), found "
                            + scanner.describeInvalid(walk.skippedAt(), walk.skippedLsn()));
                }
                seen++;
                delivered += walk.delivered();
                deliveredBytes += walk.deliveredBytes();
                return walk;
            }
        }

        private SegmentScanner.Tail scanTail(int i, SegmentScanner.Walk walk, boolean countAll) throws IOException {
            try (DurableFile file = io.open(files.get(i).path(), DurableIO.Mode.READ_ONLY)) {
                scanner.attach(file, headers[i].salt());
                return scanner.scanTail(walk.end(), walk.lastLsn() + 1, countAll);
            }
        }

        /** Record-like frames from {@code firstLsn} on in file {@code j}, whose header is not valid. */
        private long recordLike(int j, long firstLsn) throws IOException {
            try (DurableFile file = io.open(files.get(j).path(), DurableIO.Mode.READ_ONLY)) {
                scanner.attach(file, 0);
                return scanner.countRecordLike(firstLsn);
            }
        }

        private CorruptIndexException unreadableHeader(SegmentFiles.Entry entry, long firstLsn) throws IOException {
            return new CorruptIndexException(entry.path(), 0, "a valid header for segment " + entry.sequence()
                    + " (record-like frames from LSN " + firstLsn + " follow it, so it was not a segment whose"
                    + " creation a crash interrupted), found " + whyNoHeader(entry));
        }

        /** What the header of {@code entry}, which {@link SegmentHeader#read} refused, holds instead. */
        private String whyNoHeader(SegmentFiles.Entry entry) throws IOException {
            try (DurableFile file = io.open(entry.path(), DurableIO.Mode.READ_ONLY)) {
                return SegmentHeader.describeInvalid(file, entry.sequence());
            }
        }

        /**
         * Whether the segment {@code roll} names has, now, the header the roll promises: a live writer (this is a view
         * or a tool beside it) created it and wrote the roll after this replay listed the directory or read the
         * headers. A crashed index changes under no reader, so there this is the listing's answer again.
         */
        private boolean bornSince(SegmentRoll.Link roll) throws IOException {
            for (SegmentFiles.Entry e : SegmentFiles.segments(directory)) {
                if (e.sequence() == roll.nextSequence()) {
                    SegmentHeader now = SegmentHeader.read(io, e.path(), e.sequence());
                    return now != null && now.salt() == roll.nextSalt() && now.firstLsn() == roll.nextLsn();
                }
            }
            return false;
        }

        /** Why segment {@code i + 1} does not continue segment {@code i}; null if it does. */
        private CorruptIndexException linkDamage(int i, SegmentScanner.Walk walk) throws IOException {
            SegmentFiles.Entry entry = files.get(i);
            SegmentFiles.Entry next = files.get(i + 1);
            SegmentHeader nextHeader = headers[i + 1];
            if (next.sequence() != entry.sequence() + 1) {
                return new CorruptIndexException(SegmentFiles.segmentPath(directory, entry.sequence() + 1), 0,
                        "a journal segment between " + name(entry) + " and " + name(next) + ", found none");
            }
            if (nextHeader == null) {
                return new CorruptIndexException(next.path(), 0, "a valid segment header with sequence "
                        + next.sequence() + " (later segments exist, so no crash can explain its absence), found "
                        + whyNoHeader(next));
            }
            if (nextHeader.firstLsn() > walk.lastLsn() + 1) {
                return new CorruptIndexException(entry.path(), walk.end(), "a record with LSN "
                        + (walk.lastLsn() + 1) + ", since the next segment " + name(next) + " starts at LSN "
                        + nextHeader.firstLsn() + ", found " + describe(i, walk));
            }
            if (nextHeader.firstLsn() <= walk.lastLsn()) {
                return new CorruptIndexException(next.path(), FIRST_LSN_OFFSET, "first LSN "
                        + (walk.lastLsn() + 1) + " continuing " + name(entry) + ", found " + nextHeader.firstLsn());
            }
            SegmentRoll.Link roll = walk.roll();
            if (roll != null && (roll.nextSequence() != next.sequence() || roll.nextSalt() != nextHeader.salt())) {
                return new CorruptIndexException(next.path(), SALT_OFFSET, "the segment that " + name(entry)
                        + " ends with a roll to at offset " + roll.offset() + ": sequence " + roll.nextSequence()
                        + String.format(" with salt 0x%016x, found sequence %d with salt 0x%016x", roll.nextSalt(),
                        next.sequence(), nextHeader.salt()));
            }
            return null;
        }

        /**
         * Segment {@code i}, the last with a valid header, ends with a roll frame: the writer made the segment it names
         * durable before it wrote that frame, and may have acknowledged records there since, so that segment's absence
         * (or a file in its place without a valid header) is damage, not a crash. Null if a live writer created it after
         * this replay listed the directory: then the journal this replay reads ends at the roll.
         */
        private CorruptIndexException rollDamage(int i, SegmentScanner.Walk walk) throws IOException {
            SegmentFiles.Entry entry = files.get(i);
            SegmentRoll.Link roll = walk.roll();
            Path expected = SegmentFiles.segmentPath(directory, roll.nextSequence());
            String why = name(entry) + " ends at offset " + roll.offset() + " with a roll record to it, written only"
                    + " after that segment was durable, so it may hold acknowledged writes from LSN " + roll.nextLsn();
            if (roll.nextSequence() == entry.sequence() + 1 && bornSince(roll)) {
                return null;
            }
            if (i + 1 < files.size()) {
                return new CorruptIndexException(files.get(i + 1).path(), 0, "a valid header for journal segment "
                        + files.get(i + 1).sequence() + " (" + why + "), found " + whyNoHeader(files.get(i + 1))
                        + "; open with truncateOnDamage to accept losing them");
            }
            return new CorruptIndexException(expected, 0, "journal segment " + expected.getFileName() + " ("
                    + why + "), found no such file in " + directory
                    + "; open with truncateOnDamage to accept losing the writes it held");
        }

        private CorruptIndexException tailDamage(int i, SegmentScanner.Walk walk, SegmentScanner.Tail tail)
                throws IOException {
            SegmentFiles.Entry entry = files.get(i);
            long expected = walk.lastLsn() + 1;
            if (tail.budgetExceeded()) {
                return new CorruptIndexException(entry.path(), walk.end(), "a record with LSN " + expected
                        + " or a torn tail, but the rest of the segment holds more frame-like bytes than a"
                        + " torn write can leave");
            }
            return new CorruptIndexException(entry.path(), walk.end(), "a record with LSN " + expected
                    + " (an intact record with LSN " + tail.evidenceLsn() + ", written after LSN " + expected
                    + " had been forced, follows at offset " + tail.evidenceOffset() + "), found "
                    + describe(i, walk));
        }

        /** What lies at the end of {@code walk} in segment {@code i} instead of its next record. */
        private String describe(int i, SegmentScanner.Walk walk) throws IOException {
            try (DurableFile file = io.open(files.get(i).path(), DurableIO.Mode.READ_ONLY)) {
                scanner.attach(file, headers[i].salt());
                return scanner.describeInvalid(walk.end(), walk.lastLsn() + 1);
            }
        }

        /**
         * Segment {@code i} is damaged after {@code walk.end()}: throw, or cut the journal there.
         */
        private ReplayReport damaged(int i, SegmentScanner.Walk walk, CorruptIndexException damage)
                throws IOException {
            if (policy == DamagePolicy.FAIL) {
                throw damage;
            }
            if (walk.lastLsn() < afterLsn) {
                throw new CorruptIndexException(damage.file(), damage.offset(), "records up to LSN " + afterLsn
                        + ", the checkpoint; cutting the journal at the damage would lose some of them", damage);
            }
            SegmentFiles.Entry entry = files.get(i);
            SegmentScanner.Tail tail = scanTail(i, walk, true);
            long dropped = tail.intactFrames();
            long zeroEnd = tail.budgetExceeded() ? Long.MAX_VALUE : tail.tornEnd();
            if (walk.roll() != null) {
                zeroEnd = Math.max(zeroEnd, walk.end() + SegmentRoll.ALIGNED_LENGTH); // the roll names what was cut
            }
            for (int j = i + 1; j < files.size(); j++) {
                dropped += headers[j] != null ? countRecords(j)
                        : j == i + 1 ? recordLike(j, walk.lastLsn() + 1) : 0;
            }
            // Newest first, so that a crash part-way leaves a journal that still reads as damaged at
            // the same place and is cut again.
            for (int j = files.size() - 1; j > i; j--) {
                io.delete(files.get(j).path());
            }
            io.syncDirectory(directory);
            try (DurableFile file = io.open(entry.path(), DurableIO.Mode.OPEN_EXISTING)) {
                ZeroFill.range(file, walk.end(), Math.min(zeroEnd, file.size()));
                file.force();
            }
            // A roll to a segment that is not there: its writes are gone, and nothing tells how many they were.
            long lostFrom = walk.roll() != null && i + 1 >= files.size() ? walk.roll().nextLsn() : 0;
            return finish(i, walk, 0, dropped, lostFrom);
        }

        /** Intact consecutive records of segment {@code j}, which has a valid header. */
        private long countRecords(int j) throws IOException {
            SegmentHeader header = headers[j];
            try (DurableFile file = io.open(files.get(j).path(), DurableIO.Mode.READ_ONLY)) {
                scanner.attach(file, header.salt());
                SegmentScanner.Walk walk = scanner.walk(HEADER_LENGTH, header.firstLsn(), Long.MAX_VALUE,
                        RecordConsumer.discarding());
                return walk.lastLsn() - header.firstLsn() + 1;
            }
        }

        private ReplayReport finish(int i, SegmentScanner.Walk walk, long tornBytes, long dropped)
                throws IOException {
            return finish(i, walk, tornBytes, dropped, 0);
        }

        private ReplayReport finish(int i, SegmentScanner.Walk walk, long tornBytes, long dropped, long lostFrom)
                throws IOException {
            SegmentFiles.Entry entry = files.get(i);
            if (walk.lastLsn() < afterLsn) {
                throw new CorruptIndexException(entry.path(), walk.end(), "records up to LSN " + afterLsn
                        + ", the checkpoint (the journal is forced before every checkpoint), but it ends at LSN "
                        + walk.lastLsn() + ", found " + describe(i, walk));
            }
            lastFile = entry.path();
            lastEnd = walk.end();
            lastDeliveredBytes = walk.deliveredBytes();
            return new ReplayReport(delivered, walk.lastLsn(), tornBytes, dropped, seen, lostFrom);
        }

        private static String name(SegmentFiles.Entry entry) {
            return entry.path().getFileName().toString();
        }
    }
}
