package io.bucketdb.table;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link ArraySnapshot#homeOf}, which has no branch, against the rule it implements. */
class ArraySnapshotTest {
    @TempDir
    Path tmp;

    /** The rule as the class comment states it: an upper bucket's keys stay in its lower sibling until that is split. */
    private static long expectedHome(long hash, int b, int oldB, boolean inPlace, long splitMark) {
        long j = hash & ((1L << b) - 1);
        long oldMask = (1L << oldB) - 1;
        boolean upper = j > oldMask;
        return inPlace && upper && (j & oldMask) >= splitMark ? j & oldMask : j;
    }

    @Test
    void homeOfFollowsTheSplitMarkOnlyDuringAnInPlaceSplit() throws Exception {
        long seed = Seeds.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        try (DurableFile f = FileDurableIO.INSTANCE.open(tmp.resolve("t"), DurableIO.Mode.CREATE_NEW);
             ChunkedMapping m = new ChunkedMapping(f, FileChannel.MapMode.PRIVATE, 16, 30)) {
            for (int b = 1; b <= 40; b++) {
                int oldB = b - 1;
                long oldBuckets = 1L << oldB;
                for (int kind = 0; kind < 4; kind++) {
                    boolean growing = kind != 0;
                    boolean sameSize = kind == 3;
                    boolean inPlace = kind == 2;
                    int snapOldB = sameSize ? b : oldB;
                    ArraySnapshot g = new ArraySnapshot(m, 9, 144, b, new long[0], growing, sameSize,
                            growing ? snapOldB : 0, growing ? new long[0] : null, inPlace);
                    for (int n = 0; n < 2_000; n++) {
                        long hash = rnd.nextLong();
                        long mark = switch (n % 4) {
                            case 0 -> 0;
                            case 1 -> oldBuckets;
                            case 2 -> (hash & (oldBuckets - 1)) + (rnd.nextBoolean() ? 0 : 1); // at the key's sibling or just past
                            default -> rnd.nextLong(oldBuckets + 1);
                        };
                        assertEquals(expectedHome(hash, b, snapOldB, growing && inPlace, mark), g.homeOf(hash, mark),
                                "B " + b + ", kind " + kind + ", hash " + hash + ", mark " + mark + " (seed " + seed + ")");
                    }
                }
            }
        }
    }
}
