package io.bucketdb.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.NativeFileOps;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.TableGeometry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A growth's new pieces (and what lies between them) are advised {@code MADV_RANDOM} from its start to its end, and
 * nothing else of the table ever is (issue 16, {@link GrowthReadAhead}), seen where the kernel shows it: the {@code rr} flag of the table's mappings in
 * {@code /proc/self/smaps}. In-place splits and copying growths both, and a growth a reopened table finds in progress.
 */
class GrowthReadAheadTest {
    @TempDir
    Path dir;

    @Test
    void aGrowthsNewPiecesAreAdvisedRandomFromItsStartToItsEnd() throws Exception {
        // 64 KiB alignment: pieces of 256 buckets, so the doublings up to 2^8 buckets copy into a new array and the
        // later ones split in place.
        checkGrowths(TableFile.create(FileDurableIO.INSTANCE, dir.resolve("t.bdb"), 8, 8, 16, 7, 16), 12);
    }

    @Test
    void aGrowthAnEarlierLifeBeganIsAdvisedRandomFromTheOpenToItsEnd() throws Exception {
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        Path idx = dir.resolve("idx");
        long k = 0;
        // No idle evacuation: the growth stays where the last put left it, and the clean close keeps it in progress.
        try (BucketDB db = BucketDB.open(idx, Options.defaults().withDurability(Durability.ASYNC).withIdleEvacuation(false))) {
            while (!db.growth().growing() || db.growth().oldBuckets() < 1 << 12) {
                for (int i = 0; i < 256; i++, k++) {
                    db.putLong(k, ~k);
                }
            }
        }
        try (TableFile file = TableFile.openForWriter(FileDurableIO.INSTANCE, idx.resolve(IndexFileNames.TABLE),
                TableGeometry.DEFAULT_MAX_CHUNK_SHIFT)) {
            HashTable table = HashTable.open(file, GrowthListener.NONE);
            ArraySnapshot g = table.snapshot;
            assertTrue(g.growing, "the reopened table is in the middle of its growth");
            List<long[]> advised = randomRanges(file.path());
            for (long[] piece : newPieces(file.mapping(), g)) {
                assertTrue(covered(piece, advised), "new piece at 0x" + Long.toHexString(piece[0])
                        + " is advised MADV_RANDOM after the open (B " + g.oldB + " -> " + g.b + ")");
            }
            // The table's puts go to its private mapping only: the file keeps the image the close left.
            for (long n = k; table.snapshot.growing; n++) {
                table.putLong(n, ~n);
            }
            assertEquals(0, total(randomRanges(file.path())), "nothing advised once the growth has ended");
        }
    }

    private static void checkGrowths(TableFile file, int lastB) throws IOException {
        assumeTrue(NativeFileOps.isAvailable(), "needs Linux and --enable-native-access");
        try {
            HashTable table = HashTable.create(file, GrowthListener.NONE);
            Header h = file.header();
            Path path = file.path();
            long k = 0;
            int growths = 0;
            boolean inPlaceSeen = false;
            boolean copyingSeen = false;
            while (h.b < lastB || h.growing()) {
                boolean wasGrowing = h.growing();
                table.putLong(k, ~k);
                k++;
                if (wasGrowing == h.growing() && k % 97 != 0) {
                    continue; // smaps at each start and end of a growth, and now and then between
                }
                if (h.growing()) {
                    ArraySnapshot g = table.snapshot;
                    List<long[]> expected = newPieces(file.mapping(), g);
                    List<long[]> advised = randomRanges(path);
                    long span = expected.stream().mapToLong(r -> r[1]).max().orElseThrow()
                            - expected.stream().mapToLong(r -> r[0]).min().orElseThrow();
                    long advisedBytes = total(advised);
                    assertTrue(advisedBytes >= total(expected) && advisedBytes <= span, "advised " + advisedBytes
                            + " bytes, new pieces " + total(expected) + " spanning " + span + " at key " + k
                            + " (B " + g.oldB + " -> " + g.b + ", in place " + g.inPlace + ")");
                    for (long[] piece : expected) {
                        assertTrue(covered(piece, advised), "new piece at 0x" + Long.toHexString(piece[0])
                                + " is advised MADV_RANDOM at key " + k);
                    }
                    if (!wasGrowing) {
                        growths++;
                        inPlaceSeen |= g.inPlace;
                        copyingSeen |= !g.inPlace;
                    }
                } else {
                    assertEquals(0, total(randomRanges(path)), "nothing advised outside a growth, key " + k);
                }
            }
            assertTrue(growths >= 4, growths + " growths seen");
            assertTrue(inPlaceSeen && copyingSeen, "in-place splits " + inPlaceSeen + ", copying growths " + copyingSeen);
            for (long i = 0; i < k; i++) {
                assertEquals(~i, table.getLong(i, 0), "key " + i);
            }
        } finally {
            file.closeAndTrim();
        }
    }

    /** {@return the address ranges of the pieces growth {@code g} writes for the first time} */
    private static List<long[]> newPieces(ChunkedMapping mapping, ArraySnapshot g) {
        long bytes = ExtentClasses.bytes(ExtentClasses.pieceClass(Math.min(g.b, g.pieceShift)), g.bucketSize);
        List<long[]> out = new ArrayList<>();
        for (int p = g.inPlace ? g.oldPieces.length : 0; p < g.pieces.length; p++) {
            long address = mapping.segment(g.pieces[p]).address() + mapping.local(g.pieces[p]);
            out.add(new long[] {address, address + bytes});
        }
        return out;
    }

    private static long total(List<long[]> ranges) {
        return ranges.stream().mapToLong(r -> r[1] - r[0]).sum();
    }

    private static boolean covered(long[] piece, List<long[]> ranges) {
        return ranges.stream().anyMatch(r -> r[0] <= piece[0] && piece[1] <= r[1]);
    }

    /** {@return the address ranges of {@code path}'s mappings in this process that carry {@code rr} (MADV_RANDOM)} */
    private static List<long[]> randomRanges(Path path) throws IOException {
        String name = path.toRealPath().toString();
        List<long[]> out = new ArrayList<>();
        long[] range = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] f = line.split("\\s+", 6);
                String[] r = f[0].split("-");
                range = f.length == 6 && f[5].equals(name)
                        ? new long[] {Long.parseUnsignedLong(r[0], 16), Long.parseUnsignedLong(r[1], 16)} : null;
            } else if (range != null && line.startsWith("VmFlags:")) {
                if (List.of(line.substring("VmFlags:".length()).strip().split("\\s+")).contains("rr")) {
                    out.add(range);
                }
                range = null;
            }
        }
        return out;
    }
}
