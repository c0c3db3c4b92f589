package io.bucketdb.recovery;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;

/**
 * Draws the random salt of a new journal segment (docs/FILE-FORMATS.md: a frame's CRC covers it, so frames left in
 * a recycled segment never validate). From the kernel's random source ({@code /dev/urandom}) where there is one: the
 * source {@code SecureRandom}'s default (NativePRNG) draws from on Linux too, but without its start-up, 50-60 ms of
 * provider and configuration loading in a fresh JVM that every open paid for its first segment (issue 16, the fresh
 * journal segment phase of a recovery). Elsewhere, or if the device cannot be read, from a {@link SecureRandom} made
 * on first use.
 */
final class SegmentSalts {
    private static final String KERNEL_SOURCE = "/dev/urandom";

    private SegmentSalts() {
    }

    /** {@return a salt drawn from the kernel's random source, else from a {@link SecureRandom}} */
    static long next() {
        long salt;
        try {
            salt = fromKernel();
        } catch (IOException e) {
            salt = Fallback.RANDOM.nextLong();
        }
        return salt;
    }

    /** Eight bytes of {@code /dev/urandom}, little-endian; an IOException where there is none or it ends short. */
    static long fromKernel() throws IOException {
        byte[] b = new byte[Long.BYTES];
        try (InputStream in = new FileInputStream(KERNEL_SOURCE)) {
            if (in.readNBytes(b, 0, b.length) != b.length) {
                throw new IOException(KERNEL_SOURCE + " ended before " + b.length + " bytes");
            }
        }
        long v = 0;
        for (int i = b.length - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }

    /** Made only where the kernel source failed: its construction is the start-up this class avoids. */
    private static final class Fallback {
        static final SecureRandom RANDOM = new SecureRandom();

        private Fallback() {
        }
    }
}
