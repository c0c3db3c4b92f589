package io.bucketdb.recovery;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link SegmentSalts}: a new segment's salt is what keeps a recycled segment's old frames from validating, so two
 * segments must not share one. Draws are 64 random bits: 1,000 of them collide with probability about 2^-45, so a
 * repeat here means the source is not random (a constant, a counter reset, bytes not read).
 */
class SegmentSaltsTest {
    @Test
    void saltsDoNotRepeat() {
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            assertTrue(seen.add(SegmentSalts.next()), "salt repeated after " + i + " draws");
        }
    }

    @Test
    void theKernelSourceFillsAllEightBytes() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/dev/urandom")), "no /dev/urandom here: the SecureRandom fallback is used");
        // Each byte position takes more than one value over 64 draws unless a byte is never read (left zero): a
        // given position repeats one value 64 times with probability 2^-504.
        Set<Integer>[] values = newSets();
        for (int i = 0; i < 64; i++) {
            long salt = SegmentSalts.fromKernel();
            for (int b = 0; b < Long.BYTES; b++) {
                values[b].add((int) (salt >>> (8 * b)) & 0xFF);
            }
        }
        for (int b = 0; b < Long.BYTES; b++) {
            assertTrue(values[b].size() > 1, "byte " + b + " of the salt took one value in 64 draws");
        }
    }

    @SuppressWarnings("unchecked")
    private static Set<Integer>[] newSets() {
        Set<Integer>[] sets = new Set[Long.BYTES];
        for (int i = 0; i < sets.length; i++) {
            sets[i] = new HashSet<>();
        }
        return sets;
    }
}
