package io.bucketdb.recovery;

import jdk.jfr.FlightRecorder;

/**
 * Whether BucketDB's JFR events are worth creating: only once Flight Recorder is initialized in this JVM (a
 * recording was started, with {@code -XX:StartFlightRecording}, {@code jcmd JFR.start} or {@code new Recording()}).
 *
 * <p>Why: the first {@link jdk.jfr.Event} subclass a JVM loads brings up JFR's event machinery (its metadata
 * repository, type library and the class-file instrumentation of the event class), 60-100 ms of one core in a fresh
 * JVM even with no recording (issue 16, part "recovery": a third of the time an open spent before its first file, and
 * more than the ending checkpoint). The classes are not loaded as long as no code creates an event, so every event is
 * created behind this check. Once Flight Recorder is up, loading an event class costs about a millisecond, and an
 * event that no recording enables costs what it did before. A recording started while an operation runs misses that
 * operation's event only.
 */
public final class JfrEvents {
    private JfrEvents() {
    }

    /** {@return whether Flight Recorder is initialized in this JVM, so that events may be created cheaply} */
    public static boolean wanted() {
        return FlightRecorder.isInitialized();
    }
}
