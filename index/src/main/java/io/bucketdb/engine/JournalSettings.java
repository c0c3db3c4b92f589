package io.bucketdb.engine;

import io.bucketdb.Options;
import io.bucketdb.recovery.JournalOptions;

/**
 * The journal's settings as {@link Options} holds them. {@code JournalOptions} is recovery's type and stays out of
 * the public API; {@code Options} keeps its knobs ({@link Options#withJournalSegmentSize} and the like), and the
 * engine builds the journal's options here, in one place.
 */
public final class JournalSettings {
    private JournalSettings() {
    }

    /**
     * The journal options {@code options} describe. The values were checked when they were set.
     *
     * @param options the options an index is opened with
     * @return the journal's options: segment size, the format's length limits, buffer size, spare segments, segments
     *     prepared ahead
     */
    public static JournalOptions of(Options options) {
        // The next segment is made ahead of its roll (issue 16): a roll then creates and allocates nothing on the
        // writer's path, and the new segment is mapped once instead of remapped at every doubling. A thread's timing
        // then orders some file operations, so it goes with the other background duties (Options.withIdleEvacuation):
        // off, every durable operation follows from the writes alone, as the tests that number them need.
        // The journal keeps its format's own length limits, not the open's (Options.withMaxLengths): EntryChecks refuses a
        // longer key or value before anything is journaled, and a reader with lower limits took a record an earlier open
        // wrote under higher ones for damage (the open refused, or dropped it and every later acknowledged record under
        // withTruncateOnDamage).
        return new JournalOptions(options.journalSegmentSize(), JournalOptions.DEFAULT_MAX_KEY_LENGTH,
                JournalOptions.DEFAULT_MAX_VALUE_LENGTH, options.journalBufferSize(), options.spareJournalSegments(),
                options.idleEvacuation());
    }
}
