package io.bucketdb.table;

import io.bucketdb.recovery.JfrEvents;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A {@link GrowthListener} that reports growth to JFR (events {@code io.bucketdb.GrowthStart},
 * {@code io.bucketdb.GrowthEnd} and {@code io.bucketdb.Evacuation}) and passes every step on to
 * {@code next} (the journal's growth markers).
 *
 * <p>Evacuation is the writer's hot path, so it is sampled: one event per {@link #EVACUATION_SAMPLE}
 * evacuated old buckets (and one for the rest when the growth ends), its duration the time those
 * took. With no recording, an evacuation costs a counter increment here, and a sample boundary an
 * {@link Event#shouldCommit()} on an event object that is then reused: evacuation allocates nothing
 * until a recording enables the event ({@code GrowthEventsAllocationTest}). A growth allocates its two
 * small event objects once.
 *
 * <p>No event is created while Flight Recorder is down ({@link JfrEvents}): the first event class a JVM loads costs
 * 60-100 ms of JFR start-up, which an open that replays growth would otherwise pay (issue 16, part "recovery").
 */
public final class GrowthEvents implements GrowthListener {
    /** Old buckets evacuated per evacuation event. */
    static final int EVACUATION_SAMPLE = 1024;

    private final GrowthListener next;
    private HashTable table;
    private int b;
    private long oldBuckets;
    private long evacuated;
    private long sampleStart;
    /** The growth's end event, begun with it; null if it began before this open or while Flight Recorder was down. */
    private GrowthEndEvent growth;
    /** The evacuation sample being timed; null while Flight Recorder is down. */
    private EvacuationEvent sample = newSample();

    /** Reports to JFR and passes every step on to {@code next}. */
    public GrowthEvents(GrowthListener next) {
        this.next = next;
    }

    /**
     * The table this listens to, once it is open: the events' entry counts come from it, and a growth
     * that was in progress in the opened image is picked up (its evacuated count then starts at the
     * evacuation mark, a lower bound).
     */
    public void watch(HashTable table, int b) {
        this.table = table;
        long[] progress = table.growthProgress();
        if (progress[1] != 0) {
            this.b = b;
            oldBuckets = progress[1];
            evacuated = progress[0];
            sampleStart = evacuated;
            sample = newSample();
        }
    }

    /** {@return a begun evacuation sample, or null while Flight Recorder is down} */
    private static EvacuationEvent newSample() {
        if (!JfrEvents.wanted()) {
            return null;
        }
        EvacuationEvent e = new EvacuationEvent();
        e.begin();
        return e;
    }

    private long count() {
        return table == null ? -1 : table.size();
    }

    @Override
    public void growBegin(int newB, boolean sameSize) {
        next.growBegin(newB, sameSize);
        b = newB;
        oldBuckets = sameSize ? 1L << newB : 1L << (newB - 1);
        evacuated = 0;
        sampleStart = 0;
        growth = null;
        if (sample != null) {
            sample.begin();
        } else {
            sample = newSample();
        }
        if (!JfrEvents.wanted()) {
            return;
        }
        growth = new GrowthEndEvent();
        GrowthStartEvent start = new GrowthStartEvent();
        growth.begin();
        if (start.shouldCommit()) {
            start.b = newB;
            start.sameSize = sameSize;
            start.count = count();
            start.oldBuckets = oldBuckets;
            start.commit();
        }
    }

    @Override
    public void evacuated(long oldBucket) {
        next.evacuated(oldBucket);
        if (++evacuated - sampleStart == EVACUATION_SAMPLE) {
            commitSample();
        }
    }

    @Override
    public void growEnd() {
        next.growEnd();
        if (evacuated > sampleStart) {
            commitSample();
        }
        if (growth == null && !JfrEvents.wanted()) {
            return;
        }
        // null when the growth began before this open (or Flight Recorder came up since): then the duration covers
        // only part of the growth
        GrowthEndEvent end = growth == null ? new GrowthEndEvent() : growth;
        growth = null;
        end.end();
        if (end.shouldCommit()) {
            end.b = b;
            end.oldBuckets = oldBuckets;
            end.count = count();
            end.commit();
        }
    }

    private void commitSample() {
        EvacuationEvent e = sample;
        if (e == null) {
            sampleStart = evacuated;
            sample = newSample();
            return;
        }
        e.end();
        if (e.shouldCommit()) {
            e.buckets = evacuated - sampleStart;
            e.evacuated = evacuated;
            e.oldBuckets = oldBuckets;
            e.commit();
            sample = newSample(); // a committed event must not be reused
        } else {
            e.begin();
        }
        sampleStart = evacuated;
    }

    @Name("io.bucketdb.GrowthStart")
    @Label("Growth Start")
    @Category("BucketDB")
    @Description("The table began to grow: doubling (B+1), or a same-size growth that packs overflow chains")
    @StackTrace(false)
    static final class GrowthStartEvent extends Event {
        @Label("B")
        @Description("log2 of the bucket count of the new array")
        int b;

        @Label("Same Size")
        @Description("Whether B stays (overflow chains are packed) rather than doubling")
        boolean sameSize;

        @Label("Entries")
        @Description("Entries in the table when the growth began")
        long count;

        @Label("Old Buckets")
        @Description("Buckets of the old array, each to be evacuated")
        long oldBuckets;
    }

    @Name("io.bucketdb.GrowthEnd")
    @Label("Growth End")
    @Category("BucketDB")
    @Description("Every old bucket was evacuated and the old array freed; the duration spans the whole growth")
    @StackTrace(false)
    static final class GrowthEndEvent extends Event {
        @Label("B")
        @Description("log2 of the bucket count of the array the growth built")
        int b;

        @Label("Entries")
        @Description("Entries in the table when the growth ended")
        long count;

        @Label("Old Buckets")
        @Description("Buckets of the old array that were evacuated")
        long oldBuckets;
    }

    @Name("io.bucketdb.Evacuation")
    @Label("Evacuation")
    @Category("BucketDB")
    @Description("A sample of incremental evacuation: old buckets moved into the new array by writes, "
            + "one event per " + EVACUATION_SAMPLE + " buckets")
    @StackTrace(false)
    static final class EvacuationEvent extends Event {
        @Label("Buckets")
        @Description("Old buckets evacuated in this sample")
        long buckets;

        @Label("Evacuated")
        @Description("Old buckets evacuated so far in this growth")
        long evacuated;

        @Label("Old Buckets")
        @Description("Buckets of the old array")
        long oldBuckets;
    }
}
