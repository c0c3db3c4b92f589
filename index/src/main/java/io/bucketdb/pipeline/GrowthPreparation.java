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

    /**
     * With the background thread: starts the table's split page toucher (the first write fault of a split's upper
     * buckets off the writer; {@code SplitPageToucher}), when enabled.
     */
    void start() {
        if (enabled) {
            table.startSplitPageToucher();
        }
    }

    /** With the background thread, before the table closes: stops the split page toucher and waits for it. */
    void stop() {
        table.stopSplitPageToucher();
    }

    /** Any thread: whether the next doubling's space should be mapped now. */
    boolean wanted() {
        return enabled && table.nextArrayWanted();
    }

    /**
     * Background thread: maps the space. A failure (a full disk) is left to the writer, whose own allocation meets it
     * where a put can report it.
     */
    void run() {
        try {
            table.prepareNextArray();
        } catch (IOException | RuntimeException e) {
            // the doubling allocates on the writer's path as it did before, and fails there if it must
        }
    }
}
