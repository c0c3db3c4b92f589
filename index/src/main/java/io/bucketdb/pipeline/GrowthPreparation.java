package io.bucketdb.pipeline;

import io.bucketdb.table.HashTable;

import java.io.IOException;

/**
 * The {@link BackgroundDuty} thread's preparation of the next doubling (issue 16): once the table is seven eighths of
 * the way to the load that doubles it, the thread maps the space the next bucket array will take
 * ({@link HashTable#prepareNextArray}), without the writer role (it changes nothing the table names), so the
 * doubling's start allocates from space already in the file and mapped instead of extending and mapping a chunk of up
 * to 1 GiB in a caller's put.
 *
 * <p>Then, in slices, it reads that space into the page cache ({@link HashTable#readAheadStep}): on the one-thread
 * 0 → 10M load the longest puts were first touches of uncached space never written (a page fault that reads ahead
 * 8 MiB of zeros from the file, 22 ms), in a split zeroing its upper-half bucket or a new overflow bucket.
 *
 * <p>A leader that releases the role wakes the thread when this is wanted and the thread waits untimed
 * ({@link BackgroundDuty#wakeForGrowthIfWaiting}); the check is a few volatile reads.
 */
final class GrowthPreparation {
    private final HashTable table;
    private final boolean enabled;

    /**
     * @param enabled on with idle evacuation ({@code Options.withIdleEvacuation}): off, no file operation depends on a
     *                background thread's timing, which the tests that number durable operations need
     */
    GrowthPreparation(HashTable table, boolean enabled) {
        this.table = table;
        this.enabled = enabled;
    }

    /** Any thread: whether the next doubling's space should be mapped now, or a slice of it read ahead. */
    boolean wanted() {
        return enabled && (table.nextArrayWanted() || table.readAheadWanted());
    }

    /**
     * Background thread: maps the space, or reads the next slice of it into the page cache
     * ({@link HashTable#readAheadStep}, at most 1 MiB, so the thread comes back to its other duties between slices). A failure to map (a full disk) is left
     * to the writer, whose own allocation meets it where a put can report it.
     */
    void run() {
        if (table.nextArrayWanted()) {
            try {
                table.prepareNextArray();
            } catch (IOException | RuntimeException e) {
                // the doubling allocates on the writer's path as it did before, and fails there if it must
            }
        } else {
            table.readAheadStep();
        }
    }
}
