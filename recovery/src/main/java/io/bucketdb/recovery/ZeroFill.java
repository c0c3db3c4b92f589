package io.bucketdb.recovery;

import io.bucketdb.spi.DurableFile;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Overwrites a range of a segment with zeros, so that frames there can never validate again. Used on
 * the tail a crash tore (before appending over it) and on the part of a segment cut off after damage.
 */
final class ZeroFill {
    private static final int CHUNK = 64 << 10;

    private ZeroFill() {
    }

    /** Writes zeros to {@code [from, to)} of {@code file}; the caller forces. */
    static void range(DurableFile file, long from, long to) throws IOException {
        if (to <= from) {
            return;
        }
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(CHUNK, to - from));
        for (long at = from; at < to; at += zeros.capacity()) {
            file.write(at, zeros.clear().limit((int) Math.min(zeros.capacity(), to - at)));
        }
    }
}
