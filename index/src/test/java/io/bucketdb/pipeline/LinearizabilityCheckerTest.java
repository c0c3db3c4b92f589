package io.bucketdb.pipeline;

import io.bucketdb.storage.testkit.Seeds;
import io.bucketdb.pipeline.MapOp.Batch;
import io.bucketdb.pipeline.MapOp.Contains;
import io.bucketdb.pipeline.MapOp.Delete;
import io.bucketdb.pipeline.MapOp.Get;
import io.bucketdb.pipeline.MapOp.Put;
import io.bucketdb.pipeline.MapOp.Write;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checker on hand-written histories whose verdict is known, and on generated ones: histories
 * built from linearization points pass, and breaking one result makes them fail.
 */
class LinearizabilityCheckerTest {
    private static final Map<Long, Long> EMPTY = Map.of();

    private static TimedOp op(int thread, long invoke, long response, MapOp op) {
        return new TimedOp(thread, op, invoke, response);
    }

    private static void assertLinearizable(List<TimedOp> h, Map<Long, Long> initial) {
        var v = LinearizabilityChecker.check(h, initial);
        assertTrue(v.linearizable(), v::explain);
        assertTrue(LinearizabilityChecker.checkWhole(h, initial).linearizable(), "the whole-map check agrees");
    }

    private static LinearizabilityChecker.Verdict assertNotLinearizable(List<TimedOp> h, Map<Long, Long> initial) {
        var v = LinearizabilityChecker.check(h, initial);
        assertFalse(v.linearizable(), "accepted a history that is not linearizable:\n" + h);
        assertFalse(v.counterexample().isEmpty());
        assertFalse(LinearizabilityChecker.checkWhole(h, initial).linearizable(), "the whole-map check agrees");
        return v;
    }

    @Test
    void shouldAcceptASequentialHistory() {
        assertLinearizable(List.of(
                op(0, 1, 2, new Put(7, 70, true)),
                op(0, 3, 4, Get.of(7, 70)),
                op(0, 5, 6, new Put(7, 71, false)),
                op(0, 7, 8, new Contains(7, true)),
                op(0, 9, 10, new Delete(7, true)),
                op(0, 11, 12, Get.absent(7)),
                op(0, 13, 14, new Delete(7, false))), EMPTY);
    }

    @Test
    void shouldAcceptAReadOverlappingAWriteThatSeesEitherValue() {
        for (MapOp read : List.of(Get.of(1, 10), Get.of(1, 11))) {
            assertLinearizable(List.of(
                    op(0, 1, 2, new Put(1, 10, true)),
                    op(0, 3, 8, new Put(1, 11, false)),
                    op(1, 4, 6, read)), EMPTY);
        }
    }

    @Test
    void shouldAcceptAnOrderThatDiffersFromTheInvokeOrder() {
        // The put invoked first takes effect second: only the search over orders finds it.
        assertLinearizable(List.of(
                op(0, 1, 20, new Put(1, 10, false)),
                op(1, 2, 3, new Put(1, 11, true)),
                op(1, 4, 5, Get.of(1, 11)),
                op(2, 6, 7, Get.of(1, 10))), EMPTY);
    }

    @Test
    void shouldStartFromTheInitialState() {
        assertLinearizable(List.of(op(0, 1, 2, Get.of(5, 50)), op(1, 1, 3, new Put(5, 51, false))), Map.of(5L, 50L));
        assertNotLinearizable(List.of(op(0, 1, 2, Get.absent(5))), Map.of(5L, 50L));
    }

    @Test
    void shouldRejectAReadOfAValueNeverWritten() {
        var v = assertNotLinearizable(List.of(
                op(0, 1, 2, new Put(1, 10, true)),
                op(1, 1, 4, Get.of(1, 99))), EMPTY);
        assertTrue(v.explain().contains("get(1) -> 99"), v.explain());
    }

    @Test
    void shouldRejectAStaleReadAfterACompletedWrite() {
        assertNotLinearizable(List.of(
                op(0, 1, 2, new Put(1, 10, true)),
                op(0, 3, 4, new Put(1, 11, false)),
                op(1, 5, 6, Get.of(1, 10))), EMPTY);
        // Also after a completed delete, and for contains.
        assertNotLinearizable(List.of(
                op(0, 1, 2, new Delete(1, true)),
                op(1, 3, 4, new Contains(1, true))), Map.of(1L, 10L));
    }

    @Test
    void shouldRejectALostUpdate() {
        // Two puts of an absent key both report it new: one of them overwrote the other unseen.
        assertNotLinearizable(List.of(
                op(0, 1, 5, new Put(1, 10, true)),
                op(1, 2, 6, new Put(1, 11, true))), EMPTY);
        // A completed put vanishes although nothing deleted it.
        assertNotLinearizable(List.of(
                op(0, 1, 2, new Put(1, 10, true)),
                op(1, 3, 4, new Put(2, 20, true)),
                op(2, 5, 6, Get.of(2, 20)),
                op(2, 7, 8, Get.absent(1))), EMPTY);
    }

    @Test
    void shouldRejectAWrongReturnValueOfAWrite() {
        assertNotLinearizable(List.of(op(0, 1, 2, new Delete(3, true))), EMPTY);
        assertNotLinearizable(List.of(op(0, 1, 2, new Put(3, 30, false))), EMPTY);
    }

    @Test
    void shouldRejectAReaderThatSeesHalfABatchAlthoughEachKeyAloneIsFine() {
        // The batch runs from 1 to 10. The reader sees its write of key 1, then (later) not its write
        // of key 2: a torn batch. Each key's sub-history is linearizable by itself, so only a check
        // that keeps the batch's keys together can reject it.
        Batch batch = new Batch(List.of(Write.put(1, 10), Write.put(2, 20)));
        List<TimedOp> h = List.of(
                op(0, 1, 10, batch),
                op(1, 2, 3, Get.of(1, 10)),
                op(1, 4, 5, Get.absent(2)));
        assertNotLinearizable(h, EMPTY);
        List<TimedOp> key1 = List.of(op(0, 1, 10, new Put(1, 10, true)), h.get(1));
        List<TimedOp> key2 = List.of(op(0, 1, 10, new Put(2, 20, true)), h.get(2));
        assertTrue(LinearizabilityChecker.check(key1, EMPTY).linearizable());
        assertTrue(LinearizabilityChecker.check(key2, EMPTY).linearizable());
        // Seen whole, before or after, it is fine; a batch's later write of a key wins over its earlier one.
        assertLinearizable(List.of(
                op(0, 1, 10, new Batch(List.of(Write.put(1, 10), Write.put(2, 20), Write.delete(1)))),
                op(1, 2, 3, Get.absent(1)),
                op(1, 4, 5, Get.of(2, 20)),
                op(1, 6, 7, Get.absent(1))), EMPTY);
    }

    @Test
    void shouldGiveTheVerdictOfTheWholeMapCheckOnGeneratedHistories() throws Exception {
        long seed = Seeds.seed();
        System.out.println("LinearizabilityCheckerTest seed " + seed);
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            int rejected = 0;
            for (int round = 0; round < 400; round++) {
                List<TimedOp> h = generateLinearizable(rnd, 2 + rnd.nextInt(3), 3 + rnd.nextInt(5), 1 + rnd.nextInt(4));
                var v = LinearizabilityChecker.check(h, EMPTY);
                assertTrue(v.linearizable(), () -> "round generated from linearization points was rejected: " + v.explain());
                assertTrue(LinearizabilityChecker.checkWhole(h, EMPTY).linearizable());
                List<TimedOp> broken = breakOneResult(h, rnd);
                boolean partitioned = LinearizabilityChecker.check(broken, EMPTY).linearizable();
                boolean whole = LinearizabilityChecker.checkWhole(broken, EMPTY).linearizable();
                assertEquals(whole, partitioned, () -> "partition changed the verdict on " + broken);
                rejected += whole ? 0 : 1;
            }
            // A read of a value that no one wrote is rejected every time; other changes may stay explainable.
            assertTrue(rejected > 100, "only " + rejected + " of 400 broken histories were rejected");
        });
    }

    @Test
    void shouldRejectEveryReadOfAValueNoOneWrote() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int round = 0; round < 200; round++) {
                List<TimedOp> h = new ArrayList<>(generateLinearizable(rnd, 3, 6, 3));
                int read = -1;
                for (int i = 0; i < h.size() && read < 0; i++) {
                    if (h.get(i).op() instanceof Get) {
                        read = i;
                    }
                }
                if (read < 0) {
                    continue;
                }
                TimedOp r = h.get(read);
                h.set(read, new TimedOp(r.thread(), Get.of(((Get) r.op()).key(), -1), r.invoke(), r.response()));
                assertFalse(LinearizabilityChecker.check(h, EMPTY).linearizable(), () -> "accepted " + h);
            }
        });
    }

    /**
     * A history whose results come from applying its operations to a sequential map in the order of
     * random linearization points, each inside its operation's interval: linearizable by construction.
     */
    static List<TimedOp> generateLinearizable(SplittableRandom rnd, int threads, int opsPerThread, int keys) {
        record Planned(int thread, long invoke, long response, long point, int kind, long key, long key2, long value) {
        }
        List<Planned> plan = new ArrayList<>();
        long value = 1;
        for (int t = 0; t < threads; t++) {
            long clock = rnd.nextInt(5);
            for (int i = 0; i < opsPerThread; i++) {
                long invoke = clock + rnd.nextInt(4);
                long response = invoke + 1 + rnd.nextInt(12);
                clock = response + 1;
                // Points scaled by 1000 with a thread offset: distinct, and each inside its own interval.
                long point = invoke * 1000 + rnd.nextLong((response - invoke) * 1000) + t;
                plan.add(new Planned(t, invoke, response, point, rnd.nextInt(6), rnd.nextInt(keys), rnd.nextInt(keys), value++));
            }
        }
        plan.sort(Comparator.comparingLong(Planned::point));
        Map<Long, Long> map = new HashMap<>();
        List<TimedOp> out = new ArrayList<>();
        for (Planned p : plan) {
            MapOp op = switch (p.kind()) {
                case 0, 1 -> map.containsKey(p.key()) ? Get.of(p.key(), map.get(p.key())) : Get.absent(p.key());
                case 2 -> new Contains(p.key(), map.containsKey(p.key()));
                case 3 -> new Put(p.key(), p.value(), map.put(p.key(), p.value()) == null);
                case 4 -> new Delete(p.key(), map.remove(p.key()) != null);
                default -> {
                    map.put(p.key(), p.value());
                    map.remove(p.key2());
                    yield new Batch(List.of(Write.put(p.key(), p.value()), Write.delete(p.key2())));
                }
            };
            out.add(new TimedOp(p.thread(), op, p.invoke(), p.response()));
        }
        return out;
    }

    /** Changes one operation's result to another plausible one (the history may or may not stay linearizable). */
    private static List<TimedOp> breakOneResult(List<TimedOp> h, SplittableRandom rnd) {
        List<TimedOp> out = new ArrayList<>(h);
        int i = rnd.nextInt(out.size());
        TimedOp t = out.get(i);
        MapOp changed = switch (t.op()) {
            case Get g -> g.found() ? Get.absent(g.key()) : Get.of(g.key(), 1 + rnd.nextInt(out.size()));
            case Contains c -> new Contains(c.key(), !c.present());
            case Put p -> new Put(p.key(), p.value(), !p.wasNew());
            case Delete d -> new Delete(d.key(), !d.wasPresent());
            case Batch b -> new Batch(List.of(Write.delete(b.writes().get(0).key())));
        };
        out.set(i, new TimedOp(t.thread(), changed, t.invoke(), t.response()));
        return out;
    }
}
