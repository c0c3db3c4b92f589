package io.bucketdb.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.testkit.Seeds;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BucketOrderLoad#order}: the pass in two halves on two threads orders the records exactly as the pass in one
 * (so a key given twice still ends with its last value), for the {@code long} shape and a byte shape, with the halves
 * cut inside a chunk of the entry buffer.
 */
class BucketOrderLoadTest {
    @TempDir
    Path dir;

    @Test
    void twoHalvesOrderAsOne() throws Exception {
        long seed = Seeds.seed(); // rerun with -Dbucketdb.seed=<seed>
        int[][] shapes = {{8, 8}, {16, 24}};
        for (int[] shape : shapes) {
            int kw = shape[0];
            int vw = shape[1];
            SplittableRandom random = new SplittableRandom(seed);
            int n = 150_001; // odd: the halves differ by one, and the cut falls inside a chunk
            try (TableFile one = TableFile.create(FileDurableIO.INSTANCE, dir.resolve(kw + "one.bdb"), kw, vw, 16, 7, 16);
                 TableFile two = TableFile.create(FileDurableIO.INSTANCE, dir.resolve(kw + "two.bdb"), kw, vw, 16, 7, 16);
                 EntryBuffer entries = new EntryBuffer(kw, vw)) {
                byte[][] keys = new byte[n][];
                byte[] value = new byte[vw];
                for (int i = 0; i < n; i++) {
                    byte[] key = new byte[kw];
                    if (i > 0 && random.nextInt(8) == 0) {
                        key = keys[random.nextInt(i)]; // given twice: the order of the two decides the value
                    } else {
                        random.nextBytes(key);
                    }
                    keys[i] = key;
                    random.nextBytes(value);
                    entries.append(key, value);
                }
                HashTable a = HashTable.create(one, GrowthListener.NONE, n);
                HashTable b = HashTable.create(two, GrowthListener.NONE, n);
                try (BucketOrderLoad inOne = new BucketOrderLoad(a, entries);
                     BucketOrderLoad inTwo = new BucketOrderLoad(b, entries)) {
                    inOne.order(false);
                    inTwo.order(true);
                    assertEquals(inOne.sorted().byteSize(), inTwo.sorted().byteSize());
                    assertArrayEquals(inOne.sorted().toArray(ValueLayout.JAVA_BYTE), inTwo.sorted().toArray(ValueLayout.JAVA_BYTE),
                            kw + "x" + vw + ", seed " + seed);
                }
            }
        }
    }
}
