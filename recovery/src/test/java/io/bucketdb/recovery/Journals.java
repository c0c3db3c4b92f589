package io.bucketdb.recovery;

import static io.bucketdb.recovery.JournalSegmentLayout.HEADER_LENGTH;

import io.bucketdb.recovery.JournalRecord.BatchBegin;
import io.bucketdb.recovery.JournalRecord.BatchCommit;
import io.bucketdb.recovery.JournalRecord.Checkpoint;
import io.bucketdb.recovery.JournalRecord.Delete;
import io.bucketdb.recovery.JournalRecord.Evacuated;
import io.bucketdb.recovery.JournalRecord.GrowBegin;
import io.bucketdb.recovery.JournalRecord.GrowEnd;
import io.bucketdb.recovery.JournalRecord.Put;
import io.bucketdb.storage.sim.CrashMode;
import io.bucketdb.storage.sim.CrashSimulator;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Shared fixtures for journal tests: small options, replay into a list, raw file surgery. */
final class Journals {
    /** 64 KiB segments, so a few hundred records span several. */
    static final JournalOptions SMALL = JournalOptions.defaults().withSegmentSize(64 << 10).withBufferSize(4 << 10);

    /** A replayed record. */
    record Entry(long lsn, JournalRecord record) {
    }

    /** Everything a replay delivered, and its report. */
    record Replayed(List<Entry> entries, ReplayReport report) {
        List<JournalRecord> records() {
            return entries.stream().map(Entry::record).toList();
        }
    }

    /** A frame found by walking a segment file's length fields. */
    record Frame(long offset, int length, long lsn) {
        long end() {
            return offset + JournalRecordLayout.alignedLength(length);
        }
    }

    private Journals() {
    }

    static Replayed replay(TestFileIO io, Path dir, JournalOptions options, long afterLsn, DamagePolicy policy)
            throws IOException {
        List<Entry> entries = new ArrayList<>();
        ReplayReport report = new JournalReader(io, dir, options)
                .replay(afterLsn, policy, (lsn, record) -> entries.add(new Entry(lsn, record)));
        return new Replayed(entries, report);
    }

    static Replayed replay(TestFileIO io, Path dir, JournalOptions options) throws IOException {
        return replay(io, dir, options, 0, DamagePolicy.FAIL);
    }

    static List<Path> segments(Path dir) throws IOException {
        return SegmentFiles.segments(dir).stream().map(SegmentFiles.Entry::path).toList();
    }

    static Path lastSegment(Path dir) throws IOException {
        return segments(dir).getLast();
    }

    /** The frames of an undamaged segment file, found by their length fields. */
    static List<Frame> frames(Path segment) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment)).order(ByteOrder.LITTLE_ENDIAN);
        List<Frame> frames = new ArrayList<>();
        long previous = -1;
        for (int at = HEADER_LENGTH; at + JournalRecordLayout.PAYLOAD_OFFSET <= bytes.capacity(); ) {
            int length = bytes.getInt(at + JournalRecordLayout.FRAME_LENGTH_OFFSET);
            long lsn = bytes.getLong(at + JournalRecordLayout.LSN_OFFSET);
            if (length < JournalRecordLayout.MIN_FRAME_LENGTH || (previous >= 0 && lsn != previous + 1)
                    || bytes.get(at + JournalRecordLayout.TYPE_OFFSET) == JournalRecordLayout.TYPE_ROLL) {
                break; // a roll frame ends the segment's records (it is no record: its LSN is the next segment's first)
            }
            frames.add(new Frame(at, length, lsn));
            previous = lsn;
            at += JournalRecordLayout.alignedLength(length);
        }
        return frames;
    }

    static Frame frame(Path dir, long lsn) throws IOException {
        for (Path segment : segments(dir)) {
            for (Frame f : frames(segment)) {
                if (f.lsn() == lsn) {
                    return f;
                }
            }
        }
        throw new AssertionError("no frame with LSN " + lsn);
    }

    static Path segmentOf(Path dir, long lsn) throws IOException {
        for (Path segment : segments(dir)) {
            if (frames(segment).stream().anyMatch(f -> f.lsn() == lsn)) {
                return segment;
            }
        }
        throw new AssertionError("no frame with LSN " + lsn);
    }

    static byte readByte(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(offset);
            return f.readByte();
        }
    }

    static void writeBytes(Path file, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    static void writeByte(Path file, long offset, byte value) throws IOException {
        writeBytes(file, offset, new byte[] {value});
    }

    static byte[] readBytes(Path file, long offset, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] bytes = new byte[length];
            f.seek(offset);
            f.readFully(bytes);
            return bytes;
        }
    }

    static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length);
        }
    }

    static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    static byte[] bytes(Random random, int maxLength) {
        byte[] bytes = new byte[random.nextInt(maxLength + 1)];
        random.nextBytes(bytes);
        return bytes;
    }

    /** A record of a random type with random content. */
    static JournalRecord randomRecord(Random random) {
        return switch (random.nextInt(10)) {
            case 0, 1, 2, 3 -> new Put(bytes(random, 40), bytes(random, 300));
            case 4, 5 -> new Delete(bytes(random, 40));
            case 6 -> new BatchBegin(random.nextInt(1000));
            case 7 -> random.nextBoolean() ? new BatchCommit() : new GrowEnd();
            case 8 -> new GrowBegin(random.nextInt(64), random.nextBoolean());
            default -> random.nextBoolean() ? new Evacuated(random.nextLong() & Long.MAX_VALUE)
                    : new Checkpoint(random.nextLong() & Long.MAX_VALUE);
        };
    }

    /** Appends {@code records} in batches of {@code batch}, syncing after each batch. */
    static void appendSynced(JournalWriter writer, List<JournalRecord> records, int batch) throws IOException {
        for (int i = 0; i < records.size(); i++) {
            writer.append(records.get(i));
            if ((i + 1) % batch == 0 || i == records.size() - 1) {
                writer.sync();
            }
        }
    }

    /** A new directory {@code parent/name} made through {@code sim}, its creation durable (a power loss keeps it). */
    static Path durableDirectory(CrashSimulator sim, Path parent, String name) throws IOException {
        Path dir = parent.resolve(name);
        sim.createDirectories(dir);
        sim.syncDirectory(parent);
        return dir;
    }

    /**
     * The last LSN a replay finds in what a power loss that drops every unforced write leaves of {@code dir}; the image
     * is built under {@code scratch} and deleted again.
     */
    static long lastLsnAfterPowerLoss(CrashSimulator sim, Path scratch, Path dir, JournalOptions options) throws IOException {
        Path image = scratch.resolve("image");
        deleteTree(image);
        sim.writeCrashImage(dir, image, CrashMode.DROP_ALL);
        try {
            return replay(new TestFileIO(), image, options).report().lastLsn();
        } finally {
            deleteTree(image);
        }
    }

    /** Deletes {@code root} and everything under it, if it exists. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Waits for {@code latch}, failing the test after {@code seconds} (a hang guard, not a timing assertion). */
    static void await(CountDownLatch latch, long seconds) {
        try {
            if (!latch.await(seconds, TimeUnit.SECONDS)) {
                throw new AssertionError("a thread of this test did not get there (hang guard)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
