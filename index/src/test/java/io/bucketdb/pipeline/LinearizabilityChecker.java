package io.bucketdb.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether a recorded concurrent history of {@code long → long} map operations is
 * linearizable: whether some total order of the operations, consistent with their real-time order
 * (an operation that returned before another began comes first), explains every result by a
 * sequential map that starts from {@code initial}.
 *
 * <p>The search is Wing and Gong's, as Lowe made it practical ("Testing for linearizability",
 * 2017) and Porcupine implements it: walk the call and return events in time order; at a call, try
 * to linearize that operation next (the model must agree with its result), lift it out of the
 * event list and restart from the front; at a return whose operation is not yet linearized, undo
 * the last choice and try the next candidate. A cache of (set of linearized operations, model
 * state) pairs already explored cuts the search: reaching the same pair twice cannot lead anywhere
 * new. Every operation must have returned (the histories here have no pending calls).
 *
 * <p>The map is checked compositionally. Linearizability is local (Herlihy and Wing): a history
 * of independent objects is linearizable iff each object's sub-history is. Keys of a map are
 * independent objects as long as no operation touches two of them; a {@link MapOp.Batch} does, so
 * keys that share a batch are merged (union-find) into one component, checked with a map model of
 * just those keys. Each component's search is then small, because its operations are few.
 */
final class LinearizabilityChecker {
    /** The model keeps presence in a 64-bit mask. */
    private static final int MAX_COMPONENT_KEYS = 64;

    private LinearizabilityChecker() {
    }

    /**
     * The outcome of a check.
     *
     * @param linearizable   whether the whole history is linearizable
     * @param counterexample when it is not: the sub-history (one component) that is not, in invoke order
     * @param longestPrefix  when it is not: the longest sequence of that component's operations the
     *                       search could linearize before getting stuck (where to start reading)
     * @param components     how many independent components were checked
     * @param states         (linearized set, state) pairs the searches explored, summed
     */
    record Verdict(boolean linearizable, List<TimedOp> counterexample, List<TimedOp> longestPrefix, int components,
                   long states) {
        /** A report for a failure message: the component and the longest linearizable prefix. */
        String explain() {
            if (linearizable) {
                return "linearizable (" + components + " components, " + states + " states)";
            }
            StringBuilder b = new StringBuilder("not linearizable; the sub-history over keys ")
                    .append(Arrays.toString(keysOf(counterexample))).append(" (")
                    .append(counterexample.size()).append(" operations):\n");
            for (TimedOp op : counterexample) {
                b.append("  ").append(op).append('\n');
            }
            b.append("longest linearizable prefix (").append(longestPrefix.size()).append(" operations):\n");
            for (TimedOp op : longestPrefix) {
                b.append("  ").append(op).append('\n');
            }
            return b.toString();
        }
    }

    /** Checks {@code history} key component by key component; absent keys of {@code initial} start absent. */
    static Verdict check(List<TimedOp> history, Map<Long, Long> initial) {
        Map<Long, List<TimedOp>> byComponent = partition(history);
        long states = 0;
        for (List<TimedOp> component : byComponent.values()) {
            Search s = new Search(component, initial);
            boolean ok = s.run();
            states += s.cache.size();
            if (!ok) {
                return new Verdict(false, sortedByInvoke(component), s.longestPrefix(), byComponent.size(), states);
            }
        }
        return new Verdict(true, List.of(), List.of(), byComponent.size(), states);
    }

    /** Checks {@code history} as one object (no partition); for testing that the partition changes no verdict. */
    static Verdict checkWhole(List<TimedOp> history, Map<Long, Long> initial) {
        if (history.isEmpty()) {
            return new Verdict(true, List.of(), List.of(), 0, 0);
        }
        Search s = new Search(history, initial);
        boolean ok = s.run();
        return ok ? new Verdict(true, List.of(), List.of(), 1, s.cache.size())
                : new Verdict(false, sortedByInvoke(history), s.longestPrefix(), 1, s.cache.size());
    }

    /** Groups operations by the component of their keys: keys written by one batch share a component. */
    private static Map<Long, List<TimedOp>> partition(List<TimedOp> history) {
        Map<Long, Long> parent = new HashMap<>();
        for (TimedOp t : history) {
            long[] keys = t.op().keys();
            for (long k : keys) {
                parent.putIfAbsent(k, k);
            }
            for (int i = 1; i < keys.length; i++) {
                long a = find(parent, keys[0]);
                long b = find(parent, keys[i]);
                if (a != b) {
                    parent.put(a, b);
                }
            }
        }
        Map<Long, List<TimedOp>> out = new LinkedHashMap<>();
        for (TimedOp t : history) {
            out.computeIfAbsent(find(parent, t.op().keys()[0]), r -> new ArrayList<>()).add(t);
        }
        return out;
    }

    private static long find(Map<Long, Long> parent, long k) {
        long root = k;
        while (parent.get(root) != root) {
            root = parent.get(root);
        }
        while (k != root) { // path compression
            long next = parent.get(k);
            parent.put(k, root);
            k = next;
        }
        return root;
    }

    private static List<TimedOp> sortedByInvoke(List<TimedOp> ops) {
        List<TimedOp> out = new ArrayList<>(ops);
        out.sort(Comparator.comparingLong(TimedOp::invoke).thenComparingLong(TimedOp::response));
        return out;
    }

    private static long[] keysOf(List<TimedOp> ops) {
        Set<Long> keys = new java.util.TreeSet<>();
        for (TimedOp t : ops) {
            for (long k : t.op().keys()) {
                keys.add(k);
            }
        }
        return keys.stream().mapToLong(Long::longValue).toArray();
    }

    /** The model's state: which of the component's keys are present and their values (0 when absent). */
    private record MapState(long present, long[] values) {
        @Override
        public boolean equals(Object o) {
            return o instanceof MapState s && s.present == present && Arrays.equals(s.values, values);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(present) * 31 + Arrays.hashCode(values);
        }
    }

    /** (linearized operations, state): a point of the search already explored. */
    private record Explored(BitSet linearized, MapState state) {
    }

    /** One component's Wing–Gong–Lowe search over a doubly linked list of its call and return events. */
    private static final class Search {
        private final TimedOp[] ops;
        private final Map<Long, Integer> slot = new HashMap<>();
        private final MapState initial;
        /** Events 0..2n-1 (call of op i = 2i, return = 2i+1) in time order, linked; HEAD is the sentinel. */
        private final int[] next;
        private final int[] prev;
        private final int head;
        final Set<Explored> cache = new HashSet<>();
        private int[] deepest = new int[0];

        Search(List<TimedOp> component, Map<Long, Long> initialValues) {
            ops = component.toArray(new TimedOp[0]);
            for (TimedOp t : ops) {
                for (long k : t.op().keys()) {
                    slot.putIfAbsent(k, slot.size());
                }
            }
            if (slot.size() > MAX_COMPONENT_KEYS) {
                throw new IllegalArgumentException("a component of " + slot.size() + " keys is more than the model's "
                        + MAX_COMPONENT_KEYS + ": use fewer keys per batch or fewer keys per history");
            }
            long present = 0;
            long[] values = new long[slot.size()];
            for (Map.Entry<Long, Integer> e : slot.entrySet()) {
                Long v = initialValues.get(e.getKey());
                if (v != null) {
                    present |= 1L << e.getValue();
                    values[e.getValue()] = v;
                }
            }
            initial = new MapState(present, values);

            int n = ops.length;
            Integer[] events = new Integer[2 * n];
            for (int e = 0; e < 2 * n; e++) {
                events[e] = e;
            }
            // Time order; at equal times calls first, so touching intervals count as overlapping.
            Arrays.sort(events, Comparator.<Integer>comparingLong(e -> time(e)).thenComparingInt(e -> e & 1));
            head = 2 * n;
            next = new int[2 * n + 1];
            prev = new int[2 * n + 1];
            int last = head;
            for (int e : events) {
                next[last] = e;
                prev[e] = last;
                last = e;
            }
            next[last] = -1;
        }

        private long time(int event) {
            TimedOp t = ops[event >> 1];
            return (event & 1) == 0 ? t.invoke() : t.response();
        }

        boolean run() {
            int n = ops.length;
            BitSet linearized = new BitSet(n);
            int[] chosen = new int[n]; // linearization order so far
            MapState[] before = new MapState[n];
            int depth = 0;
            MapState state = initial;
            int entry = next[head];
            while (next[head] != -1) {
                if ((entry & 1) == 0) {
                    int i = entry >> 1;
                    MapState after = step(state, ops[i].op());
                    if (after != null) {
                        linearized.set(i);
                        if (cache.add(new Explored((BitSet) linearized.clone(), after))) {
                            chosen[depth] = i;
                            before[depth++] = state;
                            state = after;
                            lift(i);
                            if (depth > deepest.length) {
                                deepest = Arrays.copyOf(chosen, depth);
                            }
                            entry = next[head];
                            continue;
                        }
                        linearized.clear(i);
                    }
                    entry = next[entry];
                } else {
                    // The return of an operation not yet linearized: it had to come before this point.
                    if (depth == 0) {
                        return false;
                    }
                    int i = chosen[--depth];
                    state = before[depth];
                    linearized.clear(i);
                    unlift(i);
                    entry = next[2 * i];
                }
            }
            return true;
        }

        /** The longest prefix found, in linearization order. */
        List<TimedOp> longestPrefix() {
            List<TimedOp> out = new ArrayList<>();
            for (int i : deepest) {
                out.add(ops[i]);
            }
            return out;
        }

        /** Removes op {@code i}'s call and return; their own links stay, so {@link #unlift} restores them. */
        private void lift(int i) {
            int call = 2 * i;
            int ret = call + 1;
            next[prev[call]] = next[call];
            if (next[call] != -1) {
                prev[next[call]] = prev[call];
            }
            next[prev[ret]] = next[ret];
            if (next[ret] != -1) {
                prev[next[ret]] = prev[ret];
            }
        }

        /** Undoes {@link #lift}: in reverse order, so each event goes back between its old neighbours. */
        private void unlift(int i) {
            int call = 2 * i;
            int ret = call + 1;
            next[prev[ret]] = ret;
            if (next[ret] != -1) {
                prev[next[ret]] = ret;
            }
            next[prev[call]] = call;
            if (next[call] != -1) {
                prev[next[call]] = call;
            }
        }

        /** The sequential map: the state after {@code op}, or null if {@code op}'s result contradicts {@code s}. */
        private MapState step(MapState s, MapOp op) {
            return switch (op) {
                case MapOp.Get g -> {
                    int k = slot.get(g.key());
                    boolean present = (s.present() & 1L << k) != 0;
                    yield present == g.found() && (!present || s.values()[k] == g.value()) ? s : null;
                }
                case MapOp.Contains c -> ((s.present() & 1L << slot.get(c.key())) != 0) == c.present() ? s : null;
                case MapOp.Put p -> {
                    int k = slot.get(p.key());
                    boolean present = (s.present() & 1L << k) != 0;
                    yield present == !p.wasNew() ? put(s, k, p.value()) : null;
                }
                case MapOp.Delete d -> {
                    int k = slot.get(d.key());
                    boolean present = (s.present() & 1L << k) != 0;
                    yield present == d.wasPresent() ? delete(s, k) : null;
                }
                case MapOp.Batch b -> {
                    MapState t = s;
                    for (MapOp.Write w : b.writes()) {
                        int k = slot.get(w.key());
                        t = w.delete() ? delete(t, k) : put(t, k, w.value());
                    }
                    yield t;
                }
            };
        }

        private static MapState put(MapState s, int k, long value) {
            long[] v = s.values().clone();
            v[k] = value;
            return new MapState(s.present() | 1L << k, v);
        }

        private static MapState delete(MapState s, int k) {
            if ((s.present() & 1L << k) == 0) {
                return s;
            }
            long[] v = s.values().clone();
            v[k] = 0;
            return new MapState(s.present() & ~(1L << k), v);
        }
    }
}
