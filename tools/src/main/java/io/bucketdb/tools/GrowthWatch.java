package io.bucketdb.tools;

import io.bucketdb.Growth;

/**
 * Turns successive growth states of a loading table into the demo's growth lines ("growth: B 19 -> 20 by
 * key ..., evacuating incrementally: ..."), whether the states come from a writer process's reports or from
 * the index in this process, and counts what it saw.
 */
final class GrowthWatch {
    private int firstB = -1;
    private int lastB = -1;
    private boolean lastGrowing;
    private int steps;
    private int sameSize;

    /** The line that {@code g}, seen after {@code keys} puts, is worth printing, or null if nothing changed. */
    String observe(Growth g, long keys) {
        String line = null;
        if (firstB < 0) {
            firstB = g.b();
        } else if (g.b() != lastB) {
            line = growthLine(lastB, g, keys);
            steps++;
        } else if (!lastGrowing && g.growing()) {
            line = "same-size growth at B=" + g.b() + " by key " + Text.count(keys) + " (packing "
                    + Text.count(g.overflowBuckets()) + " overflow buckets), evacuating incrementally: "
                    + Text.count(g.evacuated()) + " of " + Text.count(g.oldBuckets()) + " old buckets done";
            sameSize++;
        } else if (lastGrowing && !g.growing()) {
            line = "growth at B=" + g.b() + " finished by key " + Text.count(keys);
        }
        lastB = g.b();
        lastGrowing = g.growing();
        return line;
    }

    /** B when watching began. */
    int firstB() {
        return firstB;
    }

    /** Doublings seen as separate steps (one step may cover several doublings between two looks). */
    int steps() {
        return steps;
    }

    int sameSize() {
        return sameSize;
    }

    private static String growthLine(int fromB, Growth g, long keys) {
        int doublings = g.b() - fromB;
        String what = doublings == 1 ? "growth: B " + fromB + " -> " + g.b()
                : "growth: B " + fromB + " -> " + g.b() + " (" + doublings + " doublings)";
        return what + " by key " + Text.count(keys) + (g.growing()
                ? ", evacuating incrementally: " + Text.count(g.evacuated()) + " of " + Text.count(g.oldBuckets()) + " old buckets done"
                : "");
    }
}
