package io.bucketdb.bench.durability;

import java.util.Arrays;

/**
 * Counters of a {@link CountingDurableIO} at one moment, per {@link FileKind}: bytes passed to
 * {@code write} and {@code force} calls.
 */
record IoTally(long[] written, long[] forces) {

    static IoTally zero() {
        int n = FileKind.values().length;
        return new IoTally(new long[n], new long[n]);
    }

    /** What happened between {@code earlier} and this tally. */
    IoTally minus(IoTally earlier) {
        return new IoTally(diff(written, earlier.written), diff(forces, earlier.forces));
    }

    long written(FileKind k) {
        return written[k.ordinal()];
    }

    long forces(FileKind k) {
        return forces[k.ordinal()];
    }

    long totalWritten() {
        return Arrays.stream(written).sum();
    }

    long totalForces() {
        return Arrays.stream(forces).sum();
    }

    private static long[] diff(long[] a, long[] b) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] - b[i];
        }
        return out;
    }
}
