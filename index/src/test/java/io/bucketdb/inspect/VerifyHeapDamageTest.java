package io.bucketdb.inspect;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.HeapClasses;
import io.bucketdb.storage.VarSlotLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code verify} on damaged heap structures: a shared block, a reference out of the file, a free count off by one. */
class VerifyHeapDamageTest {
    @TempDir
    Path tmp;

    /** 200 entries whose 100-byte values live in the heap (the page-fit class of 104-byte blocks, 39 per page). */
    private Path build() throws IOException {
        Path dir = tmp.resolve("idx");
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withVariableKeys(12).withVariableValues(16)
                .withDurability(Durability.ASYNC).withHashSeed(Indexes.SEED))) {
            for (int i = 0; i < 200; i++) {
                byte[] v = new byte[100];
                java.util.Arrays.fill(v, (byte) i);
                db.put(("k" + i).getBytes(), v);
            }
        }
        return dir;
    }

    /** File offsets of the heap references of the first {@code n} used value slots. */
    private static List<Long> valueRefFields(Path dir, int n) throws IOException {
        return valueRefSlots(dir, n).stream().map(Slotted::field).toList();
    }

    private record Slotted(long field, byte[] key) {
    }

    private static List<Slotted> valueRefSlots(Path dir, int n) throws IOException {
        List<Slotted> out = new ArrayList<>();
        try (IndexInspector in = IndexInspector.open(dir)) {
            BucketLayout layout = in.layout();
            for (long j = 0; j < 1L << in.header().b && out.size() < n; j++) {
                for (ChainBucket cb : in.bucket(j).chain()) {
                    for (Slot s : cb.slots()) {
                        if (s.used() && s.valueAt() != null && !s.valueAt().inline() && out.size() < n) {
                            out.add(new Slotted(cb.offset() + layout.valueOffset(s.index()) + VarSlotLayout.HEAP_REF_OFFSET, s.key()));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static List<Problem> verify(Path dir) throws IOException {
        try (IndexInspector in = IndexInspector.open(dir)) {
            return in.verify();
        }
    }

    @Test
    void aHealthyHeapVerifies() throws IOException {
        assertEquals(List.of(), verify(build()));
    }

    @Test
    void aBlockReferredToTwiceIsReportedAndTheOtherOneLeaks() throws IOException {
        Path dir = build();
        List<Long> refs = valueRefFields(dir, 2);
        long a = java.nio.ByteBuffer.wrap(Indexes.read(dir, refs.get(0), 8)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        Indexes.writeLong(dir, refs.get(1), a);
        Indexes.resealPages(dir);
        List<Problem> problems = verify(dir);
        assertTrue(problems.stream().anyMatch(p -> p.offset() == refs.get(1) && p.expected().contains("referred to by one slot only")),
                problems::toString);
        assertTrue(problems.stream().anyMatch(p -> p.found().contains("leaked")), "the block no slot refers to any more: " + problems);
    }

    @Test
    void aReferenceOutsideTheFileIsReportedAtItsSlot() throws IOException {
        Path dir = build();
        Slotted damaged = valueRefSlots(dir, 1).getFirst();
        long field = damaged.field();
        Indexes.writeLong(dir, field, 1L << 40);
        Indexes.resealPages(dir);
        List<Problem> problems = verify(dir);
        assertTrue(problems.stream().anyMatch(p -> p.offset() == field && p.expected().contains("a reference to a heap block")),
                problems::toString);
        // A read of that key reports the damage instead of returning bytes from nowhere.
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class, () -> db.get(damaged.key()));
            assertInstanceOf(io.bucketdb.spi.CorruptIndexException.class, e.getCause());
        }
    }

    @Test
    void aFreeCountThatDisagreesWithItsListIsReported() throws IOException {
        Path dir = build();
        int c = HeapClasses.PAGE_FIT.classFor(100); // the class of the values, which has free blocks
        Indexes.editHeader(dir, h -> h.heapFreeCounts[c]--);
        List<Problem> problems = verify(dir);
        long at = Indexes.activeHeader(dir) + HeaderLayout.HEAP_CLASSES_OFFSET + 24L * c + 8;
        assertTrue(problems.stream().anyMatch(p -> p.offset() == at && p.expected().contains("free heap block count")), problems::toString);
    }

    /**
     * A page-fit block starts a whole number of blocks from its page's start; a reference 8 bytes further (8-byte
     * aligned, inside the page and the file, and not another slot's block) is damage that verify names at the slot.
     * Under the power-of-two check (a block aligned to its own size) it would pass unnoticed for half the blocks, and
     * the check of every block of a 104-byte class against its own size would report healthy blocks.
     */
    @Test
    void aReferenceBetweenTwoBlocksOfAPageFitClassIsReportedAtItsSlot() throws IOException {
        Path dir = build();
        try (IndexInspector in = IndexInspector.open(dir)) {
            assertEquals(HeapClasses.PAGE_FIT, in.header().heapClasses());
        }
        Slotted damaged = valueRefSlots(dir, 1).getFirst();
        long field = damaged.field();
        long ref = java.nio.ByteBuffer.wrap(Indexes.read(dir, field, 8)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (ref & 4095) % 104, "a healthy reference starts a whole number of 104-byte blocks into its page");
        long inPage = ref & 4095;
        long moved = inPage + 104 + 8 <= 4096 ? ref + 8 : ref - 8; // stays in the page and in the file
        Indexes.writeLong(dir, field, moved);
        Indexes.resealPages(dir);
        List<Problem> problems = verify(dir);
        Path table = dir.resolve(io.bucketdb.storage.IndexFileNames.TABLE);
        assertTrue(problems.stream().anyMatch(p -> p.file().equals(table) && p.offset() == field
                        && p.expected().contains("a whole number of blocks from its page's start") && p.found().equals("reference " + moved)),
                problems::toString);
        assertTrue(problems.stream().anyMatch(p -> p.found().contains("leaked")), "the block no slot refers to any more: " + problems);
    }
}
