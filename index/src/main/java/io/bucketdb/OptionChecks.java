package io.bucketdb;

import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.TableGeometry;

import java.time.Duration;

/**
 * The range checks of {@link Options}' {@code with…} methods: a value is rejected when it is set, with a message
 * that names the range, not when an index is opened with it.
 */
final class OptionChecks {
    /** The largest chunk {@link Options#withChunking} accepts: 1 TiB. */
    static final int MAX_CHUNK_SHIFT = 40;

    private OptionChecks() {
    }

    static void keyWidth(int width) {
        if (width < 1 || width > BucketLayout.MAX_WIDTH) {
            throw new IllegalArgumentException("key width must be 1.." + BucketLayout.MAX_WIDTH + " bytes, got " + width
                    + (width > BucketLayout.MAX_WIDTH ? " (longer keys: withVariableKeys())" : ""));
        }
    }

    static void valueWidth(int width) {
        if (width < 0 || width > BucketLayout.MAX_WIDTH) {
            throw new IllegalArgumentException("value width must be 0.." + BucketLayout.MAX_WIDTH + " bytes, got " + width
                    + (width > BucketLayout.MAX_WIDTH ? " (longer values: withVariableValues())" : ""));
        }
    }

    static void maxLengths(int maxKeyLength, int maxValueLength) {
        if (maxKeyLength < Long.BYTES || maxKeyLength > JournalOptions.DEFAULT_MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("key length limit must be " + Long.BYTES + ".." + JournalOptions.DEFAULT_MAX_KEY_LENGTH
                    + " bytes, got " + maxKeyLength);
        }
        if (maxValueLength < Long.BYTES || maxValueLength > JournalOptions.DEFAULT_MAX_VALUE_LENGTH) {
            throw new IllegalArgumentException("value length limit must be " + Long.BYTES + ".." + JournalOptions.DEFAULT_MAX_VALUE_LENGTH
                    + " bytes, got " + maxValueLength);
        }
    }

    static void expectedEntries(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("expected entries must be 0 or more, got " + n);
        }
    }

    static void chunking(int alignShift, int maxChunkShift) {
        if (alignShift < TableGeometry.MIN_ALIGN_SHIFT || alignShift > TableGeometry.MAX_ALIGN_SHIFT) {
            throw new IllegalArgumentException("alignment shift must be " + TableGeometry.MIN_ALIGN_SHIFT + ".."
                    + TableGeometry.MAX_ALIGN_SHIFT + ", got " + alignShift);
        }
        if (maxChunkShift < alignShift || maxChunkShift > MAX_CHUNK_SHIFT) {
            throw new IllegalArgumentException("largest chunk shift must be " + alignShift + " (the alignment shift).."
                    + MAX_CHUNK_SHIFT + ", got " + maxChunkShift);
        }
    }

    static void checkpointLimits(long dirtyLimitBytes, long journalLimitBytes) {
        if (dirtyLimitBytes < 4096 || journalLimitBytes < 4096) {
            throw new IllegalArgumentException("checkpoint limits must be at least 4096 bytes, got " + dirtyLimitBytes
                    + " and " + journalLimitBytes);
        }
    }

    static void privateMemoryLimit(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("private memory limit must be at least 0 bytes, got " + bytes);
        }
    }

    static void ringSize(int ringSize) {
        if (ringSize < 1 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two, got " + ringSize);
        }
    }

    static Duration positive(Duration d, String what) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d);
        }
        return d;
    }
}
