package io.bucketdb.table;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.inspect.BucketView;
import io.bucketdb.inspect.ChainBucket;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.BucketLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19: a miss is decided in the first cache line of a bucket. What a lookup of an absent key reads before it
 * knows the chain ends, the tophash word and the overflow reference, must be 16 adjacent bytes at the bucket's start
 * that never straddle a 64-byte line, in the table's arrays (pieces start page-aligned) and in its overflow pages
 * (buckets after a 16-byte page header): {@link BucketLayout}'s Javadoc promises it where the key and value widths sum
 * to an even number. Checked on real indexes of the widths a user gets from the public options, at every bucket of
 * every chain, after enough entries that chains reach overflow pages.
 */
class MissFirstLineTest {
    private static final int LINE = 64;
    /** tophash (8) and overflow reference (8). */
    private static final int MISS_BYTES = BucketLayout.SLOTS + BucketLayout.OVERFLOW_SIZE;

    @TempDir
    Path tmp;

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of("8x8", Options.defaults()),
                Arguments.of("16x100 out of line", Options.defaults().withKeyWidth(16).withValueWidth(100)),
                Arguments.of("16x16", Options.defaults().withKeyWidth(16).withValueWidth(16)),
                Arguments.of("4x12", Options.defaults().withKeyWidth(4).withValueWidth(12)),
                Arguments.of("variable keys and values", Options.defaults().withVariableKeys().withVariableValues()),
                Arguments.of("8x8, 64 KiB chunks", Options.defaults().withChunking(16, 16)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void theTophashWordAndTheOverflowReferenceOfEveryBucketShareOneCacheLine(String shape, Options options) throws Exception {
        Path dir = tmp.resolve("idx");
        int n = 12_000;
        try (BucketDB db = BucketDB.open(dir, options.withDurability(Durability.ASYNC).withHashSeed(0x1111E5L))) {
            io.bucketdb.Stats st = db.stats();
            int kw = st.variableKeys() ? 8 : st.keyWidth();
            int vw = st.variableValues() ? -1 : st.valueWidth();
            for (int k = 0; k < n; k++) {
                db.put(key(k, kw), value(k, vw));
            }
        }
        try (IndexInspector in = IndexInspector.open(dir)) {
            BucketLayout layout = in.layout();
            assertEquals(BucketLayout.TOPHASH_OFFSET + BucketLayout.SLOTS, layout.overflowOffset(),
                    shape + ": the overflow reference follows the tophash word");
            assertEquals(0, (layout.keyWidth() + layout.valueWidth()) % 2, shape + ": widths whose sum is even");
            long buckets = 0;
            long overflow = 0;
            for (long b = 0; b < 1L << in.header().b; b++) {
                BucketView v = in.bucket(b);
                for (ChainBucket c : v.chain()) {
                    long inLine = c.offset() % LINE;
                    assertTrue(inLine + MISS_BYTES <= LINE, shape + ": bucket " + b + " chain position " + c.position()
                            + " at file offset " + c.offset() + " puts its tophash and overflow reference across a cache line");
                    buckets++;
                    overflow += c.position() > 0 ? 1 : 0;
                }
            }
            assertTrue(overflow > 0, shape + ": no chain reached an overflow bucket");
            System.out.printf("MissFirstLineTest %s: %d buckets, %d of them overflow buckets, bucket of %d bytes%n",
                    shape, buckets, overflow, layout.size());
        }
    }

    private static byte[] key(int k, int width) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(width, 4));
        b.putInt(0, k * 0x61C88647 + 1);
        return java.util.Arrays.copyOf(b.array(), width);
    }

    /** A value of {@code width} bytes, or of 5 to 24 bytes where {@code width} is -1 (variable-length values). */
    private static byte[] value(int k, int width) {
        int w = width < 0 ? 5 + k % 20 : width;
        byte[] v = new byte[w];
        for (int i = 0; i < w; i++) {
            v[i] = (byte) (k + i);
        }
        return v;
    }
}
