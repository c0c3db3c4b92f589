package io.bucketdb.storage.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * The faults a {@link CrashSimulator} injects: the conditions that fail operations, the space limit, and the
 * seeded choice of how far an injected {@link Fault#ENOSPC} got before it failed. Guarded by the simulator's
 * lock.
 */
final class FaultInjector {

    /** No limit: {@link #fit} lets every change through. */
    static final long UNLIMITED = Long.MAX_VALUE;

    private record Rule(Predicate<? super Operation> condition, Fault fault) {
    }

    private final List<Rule> rules = new ArrayList<>();
    /** Draws the partial effects; {@link SplittableRandom} mixes the seed, so seeds 0..n give unrelated cuts. */
    private final SplittableRandom random;
    private long spaceLimit = UNLIMITED;

    FaultInjector(long seed) {
        this.random = new SplittableRandom(seed);
    }

    void add(Predicate<? super Operation> condition, Fault fault) {
        rules.add(new Rule(condition, fault));
    }

    void clear() {
        rules.clear();
    }

    void limitSpace(long bytes) {
        spaceLimit = bytes;
    }

    long spaceLimit() {
        return spaceLimit;
    }

    /** The fault of the first condition {@code op} matches, or {@code null}. */
    Fault faultOf(Operation op) {
        for (Rule rule : rules) {
            if (rule.condition().test(op)) {
                return rule.fault();
            }
        }
        return null;
    }

    /**
     * Where an injected {@link Fault#ENOSPC} stopped a change of the range {@code [from, to)}: {@code from}
     * (nothing done) or a 512-byte sector boundary of the file inside the range, each equally likely.
     */
    long cut(long from, long to) {
        long firstBoundary = (from / FileHistory.SECTOR_SIZE + 1) * FileHistory.SECTOR_SIZE;
        long inside = to <= firstBoundary ? 0 : (to - 1 - firstBoundary) / FileHistory.SECTOR_SIZE + 1;
        long pick = random.nextLong(inside + 1);
        return pick == 0 ? from : firstBoundary + (pick - 1) * FileHistory.SECTOR_SIZE;
    }
}
