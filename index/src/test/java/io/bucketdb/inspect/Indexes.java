package io.bucketdb.inspect;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.PageChecksums;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.TableGeometry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/** Builds real indexes for the inspector tests and plants damage in their files by hand. */
final class Indexes {
    static final long SEED = 0x5EED_1234_ABCDL;

    private Indexes() {
    }

    /** Small chunks (64 KiB) so buckets cross chunk boundaries often, and a fixed seed. */
    static Options options() {
        // No idle evacuation: the growing indexes built here must stay mid-growth until they are closed.
        return Options.defaults().withChunking(16, 16).withHashSeed(SEED).withDurability(io.bucketdb.Durability.ASYNC)
                .withIdleEvacuation(false);
    }

    static long value(long key) {
        return key * 100 + 7;
    }

    /** An index of keys {@code 0..n-1}, closed. */
    static Path build(Path dir, int n) throws IOException {
        try (BucketDB db = BucketDB.open(dir, options())) {
            for (long k = 0; k < n; k++) {
                db.putLong(k, value(k));
            }
        }
        return dir;
    }

    /**
     * An index closed in the middle of a doubling from at least {@code minB}, with some old buckets
     * evacuated and some not. Returns the number of keys ({@code 0..n-1}) it holds.
     */
    static long buildGrowing(Path dir, int minB, Consumer<BucketDB> beforeClose) throws IOException {
        long k = 0;
        try (BucketDB db = BucketDB.open(dir, options())) {
            while (true) {
                db.putLong(k, value(k));
                k++;
                if ((k & 31) == 0) {
                    var s = db.stats();
                    if (s.growing() && !s.sameSizeGrowth() && s.b() >= minB && s.evacuated() > s.oldBuckets() / 4) {
                        break;
                    }
                }
            }
            beforeClose.accept(db);
        }
        return k;
    }

    /**
     * Copies the index in {@code from} into a new directory {@code to} (after close: the table file and its
     * page checksum files are all there is).
     */
    static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        Files.copy(from.resolve(IndexFileNames.TABLE), to.resolve(IndexFileNames.TABLE));
        for (int g = 0; g < 2; g++) {
            Path sums = PageChecksums.path(from, g);
            if (Files.exists(sums)) {
                Files.copy(sums, to.resolve(sums.getFileName()));
            }
        }
        return to;
    }

    /** The page checksum file of the active header's generation. */
    static Path checksums(Path dir) throws IOException {
        try (IndexInspector in = IndexInspector.open(dir)) {
            return PageChecksums.path(dir, in.header().generation);
        }
    }

    /**
     * Records the pages as they are now in the active generation's page checksum file, as a checkpoint
     * would have: damage planted before this looks like what a writer bug would leave behind, which only
     * the structural checks can find (damage at rest also fails its page checksum).
     */
    static void resealPages(Path dir) throws IOException {
        try (TableFile tf = TableFile.open(FileDurableIO.INSTANCE, table(dir), true, TableGeometry.DEFAULT_MAX_CHUNK_SHIFT)) {
            PageChecksums.rebuild(tf).writeFor(tf.header().generation, tf.header().fileEnd, FileDurableIO.INSTANCE, dir);
        }
    }

    static Path table(Path dir) {
        return dir.resolve(IndexFileNames.TABLE);
    }

    static void write(Path dir, long off, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(table(dir), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), off);
        }
    }

    static byte[] read(Path dir, long off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(len);
        try (FileChannel ch = FileChannel.open(table(dir), StandardOpenOption.READ)) {
            ch.read(buf, off);
        }
        return buf.array();
    }

    static void writeLong(Path dir, long off, long v) throws IOException {
        write(dir, off, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v).array());
    }

    static void writeByte(Path dir, long off, int v) throws IOException {
        write(dir, off, new byte[]{(byte) v});
    }

    static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v).array();
    }

    /** Rewrites the active header slot (valid checksum) after {@code edit} changed the decoded header. */
    static void editHeader(Path dir, Consumer<Header> edit) throws IOException {
        int slot;
        try (IndexInspector in = IndexInspector.open(dir)) {
            slot = in.activeSlot();
        }
        long at = HeaderLayout.slotOffset(slot);
        ByteBuffer buf = ByteBuffer.wrap(read(dir, at, HeaderLayout.SLOT_SIZE));
        Header h = Header.decode(table(dir), at, buf, Files.size(table(dir)));
        edit.accept(h);
        write(dir, at, h.encode().array());
    }

    static long activeHeader(Path dir) throws IOException {
        try (IndexInspector in = IndexInspector.open(dir)) {
            return HeaderLayout.slotOffset(in.activeSlot());
        }
    }
}
