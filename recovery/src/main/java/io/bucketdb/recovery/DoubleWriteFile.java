package io.bucketdb.recovery;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.Header;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static io.bucketdb.recovery.DoubleWriteLayout.*;

/**
 * The double-write file of one {@link Checkpointer} ({@link DoubleWriteLayout}): opened (and, the first time,
 * created with a directory sync) when a checkpoint first needs it, the encoding of a batch's head, and the trimmed
 * batch a clean close leaves. Whichever thread runs the current checkpoint uses it; one runs at a time.
 */
final class DoubleWriteFile {
    private final DurableIO io;
    private final Path dwPath;
    private DurableFile dw;

    DoubleWriteFile(DurableIO io, Path path) {
        this.io = io;
        this.dwPath = path;
    }

    /** {@return the open file, created durably if it did not exist} */
    DurableFile file() throws IOException {
        if (dw == null) {
            boolean existed = Files.exists(dwPath);
            dw = io.open(dwPath, DurableIO.Mode.CREATE_OR_OPEN);
            if (!existed) {
                io.syncDirectory(dwPath.getParent());
            }
        }
        return dw;
    }

    /** Closes the file, if it is open; the next {@link #file} opens it again. */
    void close() throws IOException {
        if (dw != null) {
            dw.close();
            dw = null;
        }
    }

    /**
     * Replaces the batch with the installed checkpoint's without its pages: its head, no page list and its header
     * image, cut to that length and forced (see {@link Checkpointer#closeTrimmed} for why every crash is safe).
     */
    void writeTrimmed(long generation, long checkpointLsn, int slot, ByteBuffer headerImage) throws IOException {
        DurableFile out = file();
        long bodyLength = pageListBytes(0) + PAGE;
        CRC32C body = new CRC32C();
        body.update(headerImage.duplicate());
        out.write(BODY, headerImage.duplicate());
        out.write(0, head(0, generation, checkpointLsn, slot, (int) body.getValue(), bodyLength,
                headerImage));
        out.truncate(BODY + bodyLength);
        out.force();
    }

    /** The head of a double-write batch. */
    static ByteBuffer head(int count, long generation, long checkpointLsn, int slot, int bodyCrc, long bodyLength,
                          ByteBuffer headerImage) {
        ByteBuffer head = ByteBuffer.allocate(BODY).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(MAGIC_OFFSET, MAGIC);
        head.putInt(FORMAT_VERSION_OFFSET, FORMAT_VERSION);
        head.putInt(PAGE_COUNT_OFFSET, count);
        head.putLong(GENERATION_OFFSET, generation);
        head.putLong(CHECKPOINT_LSN_OFFSET, checkpointLsn);
        head.putInt(HEADER_SLOT_OFFSET, slot);
        head.putInt(BODY_CHECKSUM_OFFSET, bodyCrc);
        head.putLong(BODY_LENGTH_OFFSET, bodyLength);
        head.putInt(HEADER_IMAGE_CHECKSUM_OFFSET, Header.storedChecksum(headerImage));
        head.putInt(CHECKSUM_OFFSET, headerChecksum(head));
        return head;
    }

    /** {@return CRC32C of a batch head's bytes before its checksum field} */
    static int headerChecksum(ByteBuffer head) {
        CRC32C crc = new CRC32C();
        crc.update(head.duplicate().position(0).limit(CHECKSUM_OFFSET));
        return (int) crc.getValue();
    }
}
