package io.bucketdb.inspect;

import io.bucketdb.BucketDB;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.PieceDirectoryLayout;
import io.bucketdb.storage.ExtentClasses;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The table and {@code verify} read a piece directory through one reader, so on a damaged directory
 * the table refuses to open with exactly the damage {@code verify} reports first: the same offset and
 * the same words. The damage is resealed into the page checksums, so only the directory's own checks
 * can see it.
 */
class PieceDirectoryAgreementTest {
    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    private static Path built;

    @BeforeAll
    static void buildIndex() throws IOException {
        built = Indexes.build(shared.resolve("built"), 3_000);
    }

    @Test
    void shouldRefuseABadDirectoryMagicInTheWordsVerifyUses() throws IOException {
        Path dir = Indexes.copy(built, tmp.resolve("magic"));
        long at = bucketDir(dir) + PieceDirectoryLayout.MAGIC_OFFSET;
        Indexes.write(dir, at, new byte[]{'X', 'D', 'I', 'R'});
        assertAgree(dir, at);
    }

    @Test
    void shouldRefuseAPieceThatIsNotPageAlignedInTheWordsVerifyUses() throws IOException {
        Path dir = Indexes.copy(built, tmp.resolve("piece"));
        long at = bucketDir(dir) + PieceDirectoryLayout.PIECES;
        long piece = ByteBuffer.wrap(Indexes.read(dir, at, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        // Inside the file and its alignment unit, but not where the allocator ever puts a piece.
        Indexes.writeLong(dir, at, piece + ExtentClasses.PAGE_SIZE / 2);
        assertAgree(dir, at);
    }

    private static long bucketDir(Path dir) throws IOException {
        try (IndexInspector in = IndexInspector.open(dir)) {
            return in.header().bucketDir;
        }
    }

    private static void assertAgree(Path dir, long at) throws IOException {
        Indexes.resealPages(dir);
        List<Problem> problems;
        try (IndexInspector in = IndexInspector.open(dir)) {
            problems = in.verify();
        }
        assertFalse(problems.isEmpty(), "verify found nothing");
        Problem first = problems.getFirst();
        assertEquals(at, first.offset(), first::toString);
        for (boolean readOnly : new boolean[]{false, true}) {
            CorruptIndexException e = assertThrows(CorruptIndexException.class,
                    () -> BucketDB.open(dir, Indexes.options().withReadOnly(readOnly)).close(), "read-only " + readOnly);
            assertEquals(Indexes.table(dir), e.file(), e::getMessage);
            assertEquals(at, e.offset(), e::getMessage);
            assertEquals(first, Problem.of(e), e::getMessage);
        }
    }
}
