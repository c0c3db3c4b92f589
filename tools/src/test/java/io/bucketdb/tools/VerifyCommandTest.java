package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.hash.RapidHash;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.inspect.Location;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.HeaderLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.*;

class VerifyCommandTest {
    @TempDir
    Path tmp;

    @Test
    void shouldExitZeroOnASoundIndex() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 20_000);
        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.out());
        assertEquals("bucketdb verify: " + dir + " is sound: 20,000 entries, B=12\n", r.err());
    }

    @Test
    void shouldExitZeroDuringAGrowth() throws IOException {
        Path dir = tmp.resolve("idx");
        Cli.growingIndex(dir);
        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.err().contains("growth in progress"), r::toString);
    }

    @Test
    void shouldListEachProblemWithFileOffsetExpectedAndFound() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 20_000);
        long koff;
        long bucket;
        long flipped = 1234;
        try (IndexInspector in = IndexInspector.open(dir)) {
            Location loc = in.locate(Format.LONG.parse(1234L, 8, "key"));
            koff = loc.foundBucketOffset() + in.layout().keyOffset(loc.slot());
            bucket = loc.bucket();
            for (int bit = 40; (RapidHash.hashLong(flipped, Cli.SEED) & 4095) == bucket; bit++) {
                flipped = 1234 ^ (1L << bit);
            }
        }
        write(dir, koff, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, flipped).array());
        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(1, r.code(), r::toString);
        String[] lines = r.out().split("\n");
        // The changed key breaks the structure, and as damage at rest it also fails its page's checksum.
        assertEquals(2, lines.length, r::toString);
        assertTrue(lines[0].startsWith(dir.resolve(BucketDB.TABLE_FILE) + " @ " + koff + ": expected a key whose hash selects bucket "
                + bucket + ", found key 0x"), lines[0]);
        long page = koff >>> ExtentClasses.PAGE_SHIFT;
        assertTrue(lines[1].startsWith(dir.resolve(BucketDB.TABLE_FILE) + " @ " + (page << ExtentClasses.PAGE_SHIFT) + ": expected page "
                + page + " with CRC32C 0x"), lines[1]);
        assertEquals("bucketdb verify: 2 problems found in " + dir + "\n", r.err());
    }

    @Test
    void shouldReportAFlippedValueByteThatOnlyThePageChecksumSees() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 20_000);
        long voff;
        try (IndexInspector in = IndexInspector.open(dir)) {
            Location loc = in.locate(Format.LONG.parse(4321L, 8, "key"));
            voff = loc.foundBucketOffset() + in.layout().valueOffset(loc.slot());
        }
        // A value is any 8 bytes to the structure: no structural check can tell this flip from a real write.
        write(dir, voff + 3, new byte[]{(byte) (Format.LONG.parse(Cli.value(4321L), 8, "value")[3] ^ 0x10)});
        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(1, r.code(), r::toString);
        long pageOff = (voff + 3) & -(long) ExtentClasses.PAGE_SIZE;
        assertEquals(1, r.out().split("\n").length, r::toString);
        assertTrue(r.out().startsWith(dir.resolve(BucketDB.TABLE_FILE) + " @ " + pageOff + ": expected page "
                + (pageOff >>> ExtentClasses.PAGE_SHIFT) + " with CRC32C 0x"), r::toString);
        assertTrue(r.out().contains(", found CRC32C 0x"), r::toString);
        assertEquals("bucketdb verify: 1 problem found in " + dir + "\n", r.err());
    }

    @Test
    void shouldReportAnUnreadableHeaderAsAProblem() throws IOException {
        Path dir = Cli.longIndex(tmp.resolve("idx"), 1_000);
        write(dir, HeaderLayout.SLOT_A + HeaderLayout.COUNT_OFFSET, new byte[]{0x55});
        write(dir, HeaderLayout.SLOT_B + HeaderLayout.COUNT_OFFSET, new byte[]{0x55});
        Cli.Result r = Cli.run("verify", dir.toString());
        assertEquals(1, r.code(), r::toString);
        // With both slots damaged, the one that claims the newer generation is reported.
        assertTrue(r.out().contains(" @ " + HeaderLayout.CHECKSUM_OFFSET + ": expected header CRC32C")
                || r.out().contains(" @ " + (HeaderLayout.SLOT_B + HeaderLayout.CHECKSUM_OFFSET) + ": expected header CRC32C"), r::toString);

        Cli.Result stat = Cli.run("stat", dir.toString());
        assertEquals(3, stat.code(), stat::toString);
        assertTrue(stat.err().contains("run 'bucketdb verify " + dir + "'"), stat::toString);
    }

    @Test
    void shouldReportAMissingIndexAsAnIoError() {
        Cli.Result r = Cli.run("verify", tmp.resolve("nothing").toString());
        assertEquals(3, r.code(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
    }

    private static void write(Path dir, long off, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(BucketDB.TABLE_FILE), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), off);
        }
    }
}
