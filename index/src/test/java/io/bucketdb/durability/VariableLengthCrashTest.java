package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.sim.CrashSimulator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Power loss with variable-length keys and values: the crash simulator runs a workload of puts
 * (lengths across the inline/heap boundary, and values larger than a 64 KiB journal segment, which
 * get a segment of their own), overwrites, deletes, checkpoints and reopens to a random durable
 * operation; images a power loss could leave are recovered and checked against what was
 * acknowledged, and some are verified (heap references, free lists, tiling). The same runs with 16-byte keys and
 * 100-byte fixed values kept out of line in the value heap (issue 19): every put, overwrite and delete there
 * allocates or frees a heap block.
 */
class VariableLengthCrashTest {
    private static final int[] LENGTHS = {0, 1, 15, 16, 17, 300, 5000};

    @Test
    void acknowledgedVariableLengthWritesSurvivePowerLoss() throws Exception {
        long seed = Seeds.seed();
        int workloads = Seeds.torture() ? 300 : 12;
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            int states = 0;
            for (int w = 0; w < workloads; w++) {
                states += crashAndRecover(rnd.nextLong(), 15, "workload " + w, false);
            }
            assertTrue(states >= workloads * 15, "crash states checked: " + states);
        });
    }

    @Test
    void acknowledgedFixedValuesKeptOutOfLineSurvivePowerLoss() throws Exception {
        long seed = Seeds.seed();
        int workloads = Seeds.torture() ? 300 : 12;
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            int states = 0;
            for (int w = 0; w < workloads; w++) {
                states += crashAndRecover(rnd.nextLong(), 15, "16x100 workload " + w, true);
            }
            assertTrue(states >= workloads * 15, "crash states checked: " + states);
        });
    }

    private static byte[] wideKey(int id) {
        return ByteBuffer.allocate(16).putLong(id * 0x9E3779B97F4A7C15L).putLong(id).array();
    }

    private static byte[] bytes(SplittableRandom rnd, int len) {
        byte[] b = new byte[len];
        rnd.nextBytes(b);
        return b;
    }

    private static byte[] key(int id) {
        byte[] k = new byte[id % 3 == 0 ? 4 : id % 3 == 1 ? 16 : 40];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) (id >>> (8 * (i % 4)));
        }
        return k;
    }

    private int crashAndRecover(long seed, int images, String name, boolean outline) throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed);
        Path root = Fixtures.scratch("varcrash");
        Path dir = root.resolve("w");
        CrashSimulator sim = new CrashSimulator();
        sim.crashAfter(1 + rnd.nextInt(1_500));
        Options opts = outline ? CrashRecoveryTest.crashOptions(sim, seed).withKeyWidth(16).withValueWidth(100) // out of line by default
                : CrashRecoveryTest.crashOptions(sim, seed).withVariableKeys(12).withVariableValues(16);
        Map<ByteBuffer, byte[]> acked = new HashMap<>();
        ByteBuffer inFlight = null;
        byte[] inFlightValue = null;
        int keyRange = 20 + rnd.nextInt(300);
        BucketDB db = null;
        try {
            db = BucketDB.open(dir, opts);
            for (int op = 0; op < 1_500; op++) {
                byte[] k = outline ? wideKey(rnd.nextInt(keyRange)) : key(rnd.nextInt(keyRange));
                int dice = rnd.nextInt(100);
                if (dice < 65) {
                    int len = outline ? 100 : rnd.nextInt(100) < 3 ? 100_000 : LENGTHS[rnd.nextInt(LENGTHS.length)];
                    byte[] v = bytes(rnd, len);
                    inFlight = ByteBuffer.wrap(k);
                    inFlightValue = v;
                    db.put(k, v);
                } else if (dice < 95) {
                    inFlight = ByteBuffer.wrap(k);
                    inFlightValue = null;
                    db.delete(k);
                } else if (dice < 98) {
                    db.checkpoint();
                    continue;
                } else {
                    db.close();
                    db = BucketDB.open(dir, opts);
                    continue;
                }
                acked.put(inFlight, inFlightValue);
                inFlight = null;
            }
        } catch (UncheckedIOException | IOException | IllegalStateException e) {
            if (!sim.crashed()) {
                throw e;
            }
        }
        try {
            for (int i = 0; i < images; i++) {
                Path image = root.resolve("img");
                String what = Fixtures.image(sim, dir, image, i, rnd.nextLong());
                String where = name + " (seed " + seed + ") image " + i + " (" + what + ")";
                // A crash before the new table was renamed into place leaves no index: the open below creates one
                // with the image options, so only an index the workload created has the workload's placement.
                boolean created = java.nio.file.Files.exists(image.resolve(IndexFileNames.TABLE));
                try (BucketDB recovered = BucketDB.open(image, Fixtures.imageOptions())) {
                    long present = 0;
                    for (Map.Entry<ByteBuffer, byte[]> e : acked.entrySet()) {
                        byte[] got = recovered.get(e.getKey().array());
                        if (e.getKey().equals(inFlight)) {
                            assertTrue(Arrays.equals(got, e.getValue()) || Arrays.equals(got, inFlightValue),
                                    where + ": the key in flight holds its old or its new value");
                        } else {
                            assertArrayEquals(e.getValue(), got, where + ": acknowledged key of " + e.getKey().remaining() + " bytes");
                        }
                        present += got != null ? 1 : 0;
                    }
                    if (inFlight != null && !acked.containsKey(inFlight)) {
                        byte[] got = recovered.get(inFlight.array());
                        assertTrue(got == null || Arrays.equals(got, inFlightValue), where + ": the new key in flight is absent or whole");
                        present += got != null ? 1 : 0;
                    }
                    assertEquals(present, recovered.size(), where + ": no phantom keys");
                    Fixtures.checksumsKept(recovered, where);
                } catch (IOException | RuntimeException e) {
                    throw new AssertionError(where + ": recovery failed: " + e, e);
                }
                if (i % 5 == 0) {
                    try (IndexInspector inspector = IndexInspector.open(image)) {
                        assertEquals(outline && created, inspector.header().outlineValues(), where + ": values out of line");
                        assertEquals(List.of(), inspector.verify(), where + ": structure, heap and page checksums after recovery");
                    }
                }
                Fixtures.delete(image);
            }
        } finally {
            Fixtures.abandon(db);
            Fixtures.delete(root);
        }
        return images;
    }
}
