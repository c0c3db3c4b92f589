package io.bucketdb.tools;

import io.bucketdb.inspect.BucketView;
import io.bucketdb.inspect.ChainBucket;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.inspect.Slot;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.IndexFileNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 17: {@code export --salvage} exports every entry still readable from a damaged index (the chains whose pages
 * pass their checksums, with the journal after the checkpoint applied on top), lists what it skipped, and exits 1.
 */
class SalvageTest {
    private static final int PAGE = 4096;
    private static final Pattern LONG_LINE = Pattern.compile("\\{\"key\":(-?\\d+),\"value\":(-?\\d+)}");

    @TempDir
    Path tmp;

    @Test
    void shouldExportEveryChainOffTheDamagedPageAndListWhatItSkipped() throws IOException {
        long seed = Long.getLong("bucketdb.seed", ThreadLocalRandom.current().nextLong());
        SplittableRandom rnd = new SplittableRandom(seed);
        String why = "seed " + seed + " (rerun with -Dbucketdb.seed=" + seed + ")";
        int n = 10_000;
        Path dir = Cli.longIndex(tmp.resolve("idx"), n);
        long page;
        Set<Long> readable;
        try (IndexInspector in = IndexInspector.open(dir)) {
            byte[] key = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, rnd.nextLong(n)).array();
            page = in.locate(key).foundBucketOffset() & -PAGE;
            readable = keysOfChainsOff(in, page);
        }
        assertTrue(readable.size() < n && readable.size() > n / 2, why + ": the page holds some chains: " + readable.size());
        flipAByte(dir, page, rnd);

        Path out = tmp.resolve("rescued.jsonl");
        Cli.Result r = Cli.run("export", dir.toString(), "--salvage", "--format", "long", "--out", out.toString());
        assertEquals(1, r.code(), () -> why + ": " + r);
        assertTrue(r.err().contains("export --salvage: skipped the chain of bucket ")
                && r.err().contains(dir.resolve(IndexFileNames.TABLE) + " @ offset " + page + ": a page whose CRC32C is")
                && r.err().contains("(page " + page / PAGE + ")"), () -> why + ": names what it skipped: " + r);
        Map<Long, Long> got = longs(Files.readAllLines(out));
        assertEquals(readable, got.keySet(), () -> why + ": every entry whose chain walk and own bytes are off the damaged page, "
                + "and no other; it said: " + r.err());
        got.forEach((k, v) -> assertEquals(Cli.value(k), v, why + ": key " + k));
        assertTrue(r.out().startsWith("exported " + Text.count(readable.size()) + " entries to " + out + "; skipped "), r::toString);
    }

    @Test
    void shouldApplyTheJournalAfterTheCheckpointOnTop() throws IOException {
        Path crashed = Cli.crashed(tmp, "crashed", 700); // 700 acknowledged puts k -> 10k, all in the journal only
        Cli.Result r = Cli.run("export", crashed.toString(), "--salvage", "--format", "long");
        assertEquals(0, r.code(), "nothing skipped: " + r);
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.getFirst().startsWith("{\"bucketdb-export\":1,\"format\":\"long\",") && !lines.getFirst().contains("entries"),
                "a salvage does not know its count up front: " + lines.getFirst());
        Map<Long, Long> got = longs(lines);
        assertEquals(700, got.size(), r::toString);
        got.forEach((k, v) -> assertEquals(k * 10, v, "key " + k));
        assertTrue(r.err().contains("700 journal records replayed"), "the view line counts the journal records applied: " + r);
    }

    @Test
    void shouldSalvageASoundIndexAsTheExportDoes() throws IOException {
        Path dir = Cli.variableIndex(tmp.resolve("var"));
        Cli.Result plain = Cli.run("export", dir.toString());
        Cli.Result salvaged = Cli.run("export", dir.toString(), "--salvage");
        assertEquals(0, salvaged.code(), salvaged::toString);
        List<String> a = plain.out().lines().skip(1).sorted().toList();
        List<String> b = salvaged.out().lines().skip(1).sorted().toList();
        assertEquals(1_000, a.size());
        assertEquals(a, b);
        // The salvaged export imports as any export does.
        Path out = Files.writeString(tmp.resolve("salvaged.jsonl"), salvaged.out());
        assertEquals(0, Cli.run("import", tmp.resolve("back").toString(), out.toString()).code());
        RoundTripTest.assertSame(dir, tmp.resolve("back"));
    }

    @Test
    void shouldSkipAnEntryWhoseHeapBytesLieOnADamagedPageAndSayWhy() throws IOException {
        Path dir = Cli.variableIndex(tmp.resolve("var"));
        Cli.Result plain = Cli.run("export", dir.toString());
        long page = -1;
        int lost = 0;
        try (IndexInspector in = IndexInspector.open(dir)) {
            Header h = in.header();
            assertFalse(h.growing(), "a settled table: " + h);
            long bucketBytes = in.layout().size();
            Set<Long> bucketPages = new HashSet<>();
            List<Slot> used = new java.util.ArrayList<>();
            for (long j = 0; j < 1L << h.b; j++) {
                for (ChainBucket b : in.bucket(j).chain()) {
                    for (long p = b.offset() & -PAGE; p < b.offset() + bucketBytes; p += PAGE) {
                        bucketPages.add(p);
                    }
                    b.slots().stream().filter(Slot::used).forEach(used::add);
                }
            }
            // The first heap page no bucket touches: its damage can cost single entries only, never a chain.
            for (Slot sl : used) {
                if (sl.valueAt() != null && !sl.valueAt().inline() && !bucketPages.contains(sl.valueAt().heapRef() & -PAGE)) {
                    page = sl.valueAt().heapRef() & -PAGE;
                    break;
                }
            }
            assertTrue(page > 0, "some value lives in the heap away from every bucket");
            for (Slot sl : used) {
                if (inHeapOn(sl.keyAt(), page) || inHeapOn(sl.valueAt(), page)) {
                    lost++;
                }
            }
        }
        assertTrue(lost > 0);
        flipAByte(dir, page, new SplittableRandom(page));

        Cli.Result r = Cli.run("export", dir.toString(), "--salvage");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.err().contains("cannot be read: its bytes, in the slot or the value heap, lie on a damaged page or outside the file"),
                () -> "says why the entry was skipped: " + r);
        List<String> all = plain.out().lines().skip(1).toList();
        List<String> rescued = r.out().lines().skip(1).toList();
        assertTrue(all.containsAll(rescued), "salvage exports no entry the index did not hold");
        assertEquals(all.size() - lost, rescued.size(), () -> "every entry but the " + r.err());
    }

    /** Whether the field placed at {@code at} keeps bytes in the heap on {@code page}. */
    private static boolean inHeapOn(io.bucketdb.inspect.Placement at, long page) {
        return at != null && !at.inline() && onPage(at.heapRef(), (int) at.length(), page);
    }

    /**
     * The keys salvage can still read with {@code page} damaged: a chain whose walk reads its tophash or overflow words
     * on the page is lost whole (the walk cannot go on); in every other chain, only the entries whose key or value
     * bytes lie on the page are lost, each alone. The walk never reads an unused slot, so a bucket that straddles into
     * the page loses nothing for its unused slots there (format version 4 keeps the overflow word beside the tophash
     * bytes, so a bucket's last bytes are slot bytes).
     */
    private static Set<Long> keysOfChainsOff(IndexInspector in, long page) throws IOException {
        Header h = in.header();
        BucketLayout layout = in.layout();
        Set<Long> keys = new HashSet<>();
        long oldMask = h.growing() ? (1L << h.oldB) - 1 : 0;
        for (long j = 0; j < 1L << h.b; j++) {
            BucketView v;
            if (h.growing() && !in.oldEvacuated(j & oldMask)) {
                if ((j & oldMask) != j) {
                    continue;
                }
                v = in.oldBucket(j);
            } else {
                v = in.bucket(j);
            }
            if (v.chain().stream().anyMatch(b -> walkReadsPage(layout, b, page))) {
                continue;
            }
            for (ChainBucket b : v.chain()) {
                for (Slot s : b.slots()) {
                    if (s.tophash() >= BucketLayout.MIN_TOPHASH && !slotOnPage(layout, b, s, page)) {
                        keys.add(ByteBuffer.wrap(s.key()).order(ByteOrder.LITTLE_ENDIAN).getLong());
                    }
                }
            }
        }
        return keys;
    }

    /** Whether walking the chain through bucket {@code b} (its tophash and overflow words) reads a byte on {@code page}. */
    private static boolean walkReadsPage(BucketLayout layout, ChainBucket b, long page) {
        return onPage(b.offset(), BucketLayout.SLOTS, page) || onPage(b.offset() + layout.overflowOffset(), 8, page);
    }

    /** Whether used slot {@code s} of bucket {@code b} keeps key or value bytes on {@code page}: that entry alone is lost. */
    private static boolean slotOnPage(BucketLayout layout, ChainBucket b, Slot s, long page) {
        return onPage(b.offset() + layout.keyOffset(s.index()), layout.keyWidth(), page)
                || onPage(b.offset() + layout.valueOffset(s.index()), layout.valueWidth(), page);
    }

    private static boolean onPage(long offset, int length, long page) {
        return offset < page + PAGE && offset + length > page;
    }

    private static void flipAByte(Path dir, long page, SplittableRandom rnd) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(IndexFileNames.TABLE), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            long at = page + rnd.nextInt(PAGE);
            ch.read(b, at);
            ch.write(ByteBuffer.wrap(new byte[]{(byte) (b.get(0) ^ (1 + rnd.nextInt(255)))}), at);
        }
    }

    private static Map<Long, Long> longs(List<String> lines) {
        Map<Long, Long> m = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            Matcher x = LONG_LINE.matcher(line);
            assertTrue(x.matches(), line);
            assertNull(m.put(Long.parseLong(x.group(1)), Long.parseLong(x.group(2))), "each key once: " + line);
        }
        return m;
    }
}
