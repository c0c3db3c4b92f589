package io.bucketdb.storage;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.*;

/** The names of an index's files as they are on disk today: a change here is a change of the directory format. */
class IndexFileNamesTest {
    @Test
    void journalNamesCarryTheSequenceInSixteenHexDigitsAndParseBack() {
        assertEquals("journal-00000000000000ff.log", IndexFileNames.journalSegment(255));
        assertEquals("journal-00000000000000ff.spare", IndexFileNames.journalSpare(255));
        for (long seq : new long[]{0, 1, 255, Long.MAX_VALUE, -1}) {
            Matcher m = IndexFileNames.JOURNAL_SEGMENT.matcher(IndexFileNames.journalSegment(seq));
            assertTrue(m.matches());
            assertEquals(seq, HexFormat.fromHexDigitsToLong(m.group(1)));
            assertFalse(IndexFileNames.JOURNAL_SPARE.matcher(IndexFileNames.journalSegment(seq)).matches());
            assertTrue(IndexFileNames.JOURNAL_SPARE.matcher(IndexFileNames.journalSpare(seq)).matches());
            assertTrue(IndexFileNames.isJournal(IndexFileNames.journalSpare(seq)));
        }
        assertFalse(IndexFileNames.JOURNAL_SEGMENT.matcher("journal-00000000000000FF.log").matches(), "lowercase only");
        assertFalse(IndexFileNames.JOURNAL_SEGMENT.matcher("journal-ff.log").matches(), "sixteen digits");
        assertFalse(IndexFileNames.isJournal(IndexFileNames.TABLE));
    }

    @Test
    void theFixedNamesAreTheOnesIndexesOnDiskHave() {
        assertEquals("table.bdb", IndexFileNames.TABLE);
        assertEquals("table.bdb.new", IndexFileNames.TABLE_TEMP);
        assertEquals("LOCK", IndexFileNames.LOCK);
        assertEquals("doublewrite.bdb", IndexFileNames.DOUBLE_WRITE);
        assertEquals("page-checksums-0.bdb", IndexFileNames.pageChecksums(4));
        assertEquals("page-checksums-1.bdb", IndexFileNames.pageChecksums(-1));
        assertEquals(".bucketdb-new", IndexFileNames.STAGING_SUFFIX);
        assertEquals(".bucketdb-old", IndexFileNames.RETIRED_SUFFIX);
    }
}
