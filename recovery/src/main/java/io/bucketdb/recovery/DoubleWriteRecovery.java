package io.bucketdb.recovery;

import io.bucketdb.recovery.Checkpointer.Pending;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.PageChecksums;
import io.bucketdb.storage.PageChecksumsLayout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static io.bucketdb.recovery.DoubleWriteLayout.*;

/**
 * The open side of checkpoints (docs/DESIGN.md, "Open: finish, replay, and end the recovery"): before the table is mapped, a complete double-write batch
 * newer than the table's best header is written in place with its header, finishing the checkpoint a crash
 * interrupted; any other batch is left alone. Reached through {@link Checkpointer#finishPending} and
 * {@link Checkpointer#bestHeader}.
 */
final class DoubleWriteRecovery {
    private DoubleWriteRecovery() {
    }

    /**
     * See {@link Checkpointer#finishPending}; with {@code toDisk} false, {@link Checkpointer#finishPendingInCopy}.
     *
     * @param toDisk whether the table is the file on disk: then the batch is made durable again before the table changes
     */
    static Pending finishPending(DurableIO io, Path directory, Path tablePath, boolean toDisk) throws IOException {
        Path path = directory.resolve(FILE_NAME);
        if (!Files.exists(path) || !Files.exists(tablePath)) {
            return new Pending(false, 0, 0);
        }
        try (DurableFile in = io.open(path, DurableIO.Mode.READ_ONLY)) {
            long size = in.size();
            if (size < BODY) {
                return new Pending(false, 0, 0);
            }
            ByteBuffer head = ByteBuffer.allocate(BODY).order(ByteOrder.LITTLE_ENDIAN);
            in.read(0, head);
            if (head.getLong(MAGIC_OFFSET) != MAGIC || head.getInt(CHECKSUM_OFFSET) != DoubleWriteFile.headerChecksum(head)
                    || head.getInt(FORMAT_VERSION_OFFSET) != FORMAT_VERSION) {
                return new Pending(false, 0, 0); // an interrupted batch: the table was not touched yet
            }
            int count = head.getInt(PAGE_COUNT_OFFSET);
            long generation = head.getLong(GENERATION_OFFSET);
            int slot = head.getInt(HEADER_SLOT_OFFSET);
            long bodyLength = head.getLong(BODY_LENGTH_OFFSET);
            long expectedBody = pageListBytes(count) + PAGE + (long) count * PAGE;
            if (count < 0 || (slot != 0 && slot != 1) || bodyLength != expectedBody || BODY + bodyLength > size) {
                return new Pending(false, 0, 0);
            }
            long[] best = bestHeader(io, tablePath);
            // Only the checkpoint right after the best header can be unfinished: generations grow by one
            // per checkpoint. And the batch holds only the pages that checkpoint changed, so the rest of
            // the file must still be what the best header describes (at least as long as its allocation
            // end). Anything else (say, a truncated file) must not be patched over pages the batch does
            // not cover; opening the table then reports the damage.
            boolean next = generation == best[0] + 1 || (best[0] < 0 && generation == 1);
            if (!next || best[1] < 0) {
                return new Pending(false, 0, generation);
            }
            // Check the whole body before touching the table.
            CRC32C crc = new CRC32C();
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            for (long pos = BODY; pos < BODY + bodyLength; ) {
                buf.clear().limit((int) Math.min(buf.capacity(), BODY + bodyLength - pos));
                in.read(pos, buf);
                buf.flip();
                crc.update(buf);
                pos += buf.limit();
            }
            if ((int) crc.getValue() != head.getInt(BODY_CHECKSUM_OFFSET)) {
                return new Pending(false, 0, 0);
            }
            ByteBuffer list = ByteBuffer.allocate((int) pageListBytes(count)).order(ByteOrder.LITTLE_ENDIAN);
            in.read(BODY, list);
            ByteBuffer headerImage = ByteBuffer.allocate(PAGE);
            in.read(BODY + pageListBytes(count), headerImage);
            headerImage.flip();
            ByteBuffer hi = headerImage.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            // The body checksum cannot tell valid header images apart (see DoubleWriteLayout): check this one
            // is the batch's own.
            if (!Header.checksumMatches(hi) || Header.storedChecksum(hi) != head.getInt(HEADER_IMAGE_CHECKSUM_OFFSET)
                    || hi.getLong(HeaderLayout.GENERATION_OFFSET) != generation
                    || hi.getLong(HeaderLayout.CHECKPOINT_LSN_OFFSET) != head.getLong(CHECKPOINT_LSN_OFFSET)) {
                return new Pending(false, 0, 0);
            }
            if (toDisk) {
                rewrite(io, path, BODY + bodyLength);
            }
            try (DurableFile table = io.open(tablePath, DurableIO.Mode.OPEN_EXISTING)) {
                // Belt and braces for batches written before the checkpoint forced the file's size: the
                // header being installed describes a file at least this long.
                long fileEnd = hi.getLong(HeaderLayout.FILE_END_OFFSET);
                if (table.size() < fileEnd) {
                    table.allocate(fileEnd);
                }
                long pagesAt = BODY + pageListBytes(count) + PAGE;
                ByteBuffer page = ByteBuffer.allocate(PAGE);
                for (int i = 0; i < count; i++) {
                    long p = list.getLong(8 * i);
                    if (p < HeaderLayout.DATA_START / PAGE) {
                        throw new CorruptIndexException(path, BODY + 8L * i, "a data page number (>= 2), found " + p);
                    }
                    page.clear();
                    in.read(pagesAt + (long) i * PAGE, page);
                    long at = p * PAGE;
                    if (table.size() < at + PAGE) {
                        table.allocate(at + PAGE);
                    }
                    table.write(at, page.flip());
                }
                zeroGivenBack(io, directory, table, generation, fileEnd);
                table.force();
                table.write(HeaderLayout.slotOffset(slot), headerImage);
                table.force();
            }
            return new Pending(true, count, generation);
        }
    }

    /**
     * Writes {@code [0, length)} of the double-write file again, as read, and forces it. The batch read may exist only
     * in the page cache: a checkpoint of an earlier life in this boot wrote it and its force failed, and Linux then
     * marks the pages clean without writing them (the simulator's failed force). Its pages written in place straight
     * from there, a crash before the header is forced would leave the table torn under the old header with no batch on
     * disk to finish it. Rewritten, the pages are dirty again and the force writes them. A crash or an I/O error here
     * leaves the table untouched: the batch then checks whole or is ignored. It costs one more write of the batch, on the
     * rare open that finishes one.
     */
    private static void rewrite(DurableIO io, Path path, long length) throws IOException {
        try (DurableFile batch = io.open(path, DurableIO.Mode.OPEN_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(1 << 20, length));
            for (long pos = 0; pos < length; ) {
                buf.clear().limit((int) Math.min(buf.capacity(), length - pos));
                batch.read(pos, buf);
                buf.flip();
                batch.write(pos, buf);
                pos += buf.limit();
            }
            batch.force();
        }
    }

    /**
     * Finishing a batch: the checkpoint may have been cut before it gave its free pages back, and its page checksums
     * record them as {@link PageChecksumsLayout#NEVER_WRITTEN} (zeros). Every such page below {@code fileEnd} that
     * holds bytes (and whose CRC32C is not 0, which that entry also stands for) is punched again, or, where the file
     * cannot punch, overwritten with zeros. Without that generation's checksum file there is nothing to keep true: the
     * next open rebuilds it from the pages.
     */
    private static void zeroGivenBack(DurableIO io, Path directory, DurableFile table, long generation, long fileEnd)
            throws IOException {
        PageChecksums sums;
        try {
            sums = PageChecksums.load(io, directory, generation);
        } catch (CorruptIndexException lost) {
            return;
        }
        long first = PageChecksumsLayout.FIRST_PAGE;
        long end = first + Math.min(sums.pages(), PageChecksumsLayout.pageCount(fileEnd));
        boolean canPunch = table.canPunchHoles();
        ByteBuffer page = ByteBuffer.allocate(PAGE);
        long runStart = -1;
        for (long p = first; p <= end; p++) {
            boolean stale = false;
            if (p < end && sums.get(p) == PageChecksumsLayout.NEVER_WRITTEN) {
                page.clear();
                table.read(p << ExtentClasses.PAGE_SHIFT, page);
                stale = PageChecksums.crc(page.flip()) != 0 && !allZero(page);
            }
            if (stale && runStart < 0) {
                runStart = p;
            } else if (!stale && runStart >= 0) {
                long off = runStart << ExtentClasses.PAGE_SHIFT;
                long len = (p - runStart) << ExtentClasses.PAGE_SHIFT;
                canPunch = canPunch && table.punchHole(off, len);
                if (!canPunch) {
                    ByteBuffer zeros = ByteBuffer.allocate(PAGE);
                    for (long at = off; at < off + len; at += PAGE) {
                        table.write(at, zeros.clear());
                    }
                }
                runStart = -1;
            }
        }
    }

    private static boolean allZero(ByteBuffer page) {
        for (int k = page.position(); k + 8 <= page.limit(); k += 8) {
            if (page.getLong(k) != 0) {
                return false;
            }
        }
        return true;
    }

    /** See {@link Checkpointer#bestHeader}. */
    static long[] bestHeader(DurableIO io, Path tablePath) throws IOException {
        long best = -1;
        long fileEnd = 0;
        long size;
        try (DurableFile t = io.open(tablePath, DurableIO.Mode.READ_ONLY)) {
            size = t.size();
            for (int slot = 0; slot < 2; slot++) {
                if (size < HeaderLayout.slotOffset(slot) + HeaderLayout.SLOT_SIZE) {
                    continue;
                }
                ByteBuffer buf = ByteBuffer.allocate(HeaderLayout.SLOT_SIZE);
                t.read(HeaderLayout.slotOffset(slot), buf);
                ByteBuffer b = buf.flip().order(ByteOrder.LITTLE_ENDIAN);
                if (b.getLong(HeaderLayout.MAGIC_OFFSET) == HeaderLayout.MAGIC && Header.checksumMatches(b)
                        && b.getLong(HeaderLayout.GENERATION_OFFSET) > best) {
                    best = b.getLong(HeaderLayout.GENERATION_OFFSET);
                    fileEnd = b.getLong(HeaderLayout.FILE_END_OFFSET);
                }
            }
        }
        return new long[]{best, size >= fileEnd ? 0 : -1};
    }
}
