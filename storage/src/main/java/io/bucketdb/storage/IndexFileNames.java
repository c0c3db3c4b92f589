package io.bucketdb.storage;

import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Every file name of an index directory, in one place (as Lucene's {@code IndexFileNames}): the engine, the
 * journal, the checkpointer, the inspector, the tools and the benchmarks all name files through this class, so no
 * two of them can drift apart. Storage is the lowest module, so every other module can use it.
 *
 * <p>An index directory holds:
 * <ul>
 *   <li>{@value #TABLE}: the table file (header slots, bucket arrays, overflow pages, value heap); while a new index
 *       is created it is built as {@value #TABLE_TEMP} and renamed;</li>
 *   <li>{@value #LOCK}: the writer lock, whose content names its holder;</li>
 *   <li>{@code journal-<16 lowercase hex digits>.log}: journal segments ({@link #journalSegment}), and
 *       {@code journal-<sequence>.spare}: recycled segments kept for reuse ({@link #journalSpare});</li>
 *   <li>{@value #DOUBLE_WRITE}: the double-write area of the last checkpoint;</li>
 *   <li>{@code page-checksums-0.bdb} and {@code page-checksums-1.bdb}: the page checksums of the last two checkpoint
 *       generations ({@link #pageChecksums}).</li>
 * </ul>
 * Beside an index directory {@code DIR}, a build that replaces or creates it works in {@code .DIR}{@value
 * #STAGING_SUFFIX} and, while swapping, moves the old index to {@code .DIR}{@value #RETIRED_SUFFIX}.
 */
public final class IndexFileNames {
    /** The table file. */
    public static final String TABLE = "table.bdb";
    /** The table file of a new index until it is complete and renamed to {@link #TABLE}. */
    public static final String TABLE_TEMP = TABLE + ".new";
    /** The writer lock file. */
    public static final String LOCK = "LOCK";
    /** The double-write area of checkpoints. */
    public static final String DOUBLE_WRITE = "doublewrite.bdb";
    /** The start of every journal file's name, segments and spares alike. */
    public static final String JOURNAL_PREFIX = "journal-";
    /** The end of a live journal segment's name. */
    public static final String JOURNAL_SEGMENT_SUFFIX = ".log";
    /** The end of a recycled journal segment's name, which no reader looks at. */
    public static final String JOURNAL_SPARE_SUFFIX = ".spare";
    /** A live journal segment's name; group 1 is its sequence in 16 lowercase hex digits. */
    public static final Pattern JOURNAL_SEGMENT = journalPattern(JOURNAL_SEGMENT_SUFFIX);
    /** A spare journal segment's name; group 1 is its old sequence in 16 lowercase hex digits. */
    public static final Pattern JOURNAL_SPARE = journalPattern(JOURNAL_SPARE_SUFFIX);
    /** The start of the page checksum files' names. */
    public static final String PAGE_CHECKSUMS_PREFIX = "page-checksums-";
    /** The end of the page checksum files' names. */
    public static final String PAGE_CHECKSUMS_SUFFIX = ".bdb";
    /** Appended to {@code "." + DIR} for the directory a new index for {@code DIR} is built in. */
    public static final String STAGING_SUFFIX = ".bucketdb-new";
    /** Appended to {@code "." + DIR} for the directory the old index goes to while a new one is swapped in. */
    public static final String RETIRED_SUFFIX = ".bucketdb-old";

    private IndexFileNames() {
    }

    /**
     * {@return the name of journal segment {@code sequence}: {@code journal-<16 lowercase hex digits>.log}}
     *
     * @param sequence the segment's sequence number
     */
    public static String journalSegment(long sequence) {
        return JOURNAL_PREFIX + HexFormat.of().toHexDigits(sequence) + JOURNAL_SEGMENT_SUFFIX;
    }

    /**
     * {@return the name segment {@code sequence} has while it waits for reuse: {@code journal-<hex>.spare}}
     *
     * @param sequence the segment's old sequence number
     */
    public static String journalSpare(long sequence) {
        return JOURNAL_PREFIX + HexFormat.of().toHexDigits(sequence) + JOURNAL_SPARE_SUFFIX;
    }

    /**
     * {@return whether {@code name} is a journal file's, a segment's or a spare's}
     *
     * @param name a file name
     */
    public static boolean isJournal(String name) {
        return name.startsWith(JOURNAL_PREFIX);
    }

    /**
     * {@return the name of the page checksum file the checkpoint of {@code generation} writes: {@code
     * page-checksums-(generation % 2).bdb}}
     *
     * @param generation the checkpoint generation
     */
    public static String pageChecksums(long generation) {
        return PAGE_CHECKSUMS_PREFIX + Math.floorMod(generation, 2) + PAGE_CHECKSUMS_SUFFIX;
    }

    private static Pattern journalPattern(String suffix) {
        return Pattern.compile(Pattern.quote(JOURNAL_PREFIX) + "([0-9a-f]{16})" + Pattern.quote(suffix));
    }
}
