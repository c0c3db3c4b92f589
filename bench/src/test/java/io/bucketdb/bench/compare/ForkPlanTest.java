package io.bucketdb.bench.compare;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runner's forks: one per store for each load and for recovery, one per store for all its
 * selected reads (delete-half last), in the order that keeps each table's figures close in time.
 */
class ForkPlanTest {

    private static List<Workload> workloads(String ids) {
        return java.util.Arrays.stream(ids.split(",")).map(Workload::parse).toList();
    }

    private static Map<String, List<String>> byId(List<ComparisonRunner.ForkPlan> plan) {
        return plan.stream().collect(Collectors.toMap(ComparisonRunner.ForkPlan::id,
                f -> f.workloads().stream().map(Workload::id).toList(), (a, b) -> a, java.util.LinkedHashMap::new));
    }

    @Test
    void defaultRunHasOneReadForkPerStore() {
        List<ComparisonRunner.ForkPlan> plan = ComparisonRunner.plan(Workload.defaults(List.of(4, 64)), Stores.ALL);
        Map<String, List<String>> forks = byId(plan);
        // 11 single-thread loads, 10 of each multi-threaded load, of the 4 writers beside 2 readers, and of the SYNC
        // goal's 8 writers alone and beside 2 readers (not HashMap), 11 read forks, 3 recoveries.
        assertEquals(11 + 10 + 10 + 10 + 10 + 10 + 11 + 3, plan.size(), forks.keySet().toString());
        assertEquals(List.of("load-8t-2r"), forks.get("load-8t-2r.bucketdb-sync"));
        assertEquals(List.of("load-8t"), forks.get("load-8t.rocksdb-sync"));
        assertEquals(List.of("load-4t-2r"), forks.get("load-4t-2r.chronicle"));
        assertEquals(List.of("load-4t-2r"), forks.get("load-4t-2r.bucketdb-sync"));
        assertEquals(List.of("bulk-load", "get-hit", "get-miss", "mixed", "iterate", "delete-half"), forks.get("reads.bucketdb"));
        assertEquals(List.of("bulk-load", "get-hit", "get-miss", "mixed", "iterate", "delete-half"), forks.get("reads.hashmap"));
        // A store that forces every write reads nothing and has no bulk-load row: its read fork is the mixed run.
        assertEquals(List.of("mixed"), forks.get("reads.bucketdb-sync"));
        assertEquals(List.of("mixed"), forks.get("reads.mapdb-tx"));
        assertEquals(List.of("load"), forks.get("load.lmdb"));
        assertEquals(List.of("load-64t"), forks.get("load-64t.chronicle"));
        assertFalse(forks.containsKey("load-4t.hashmap"));
        assertEquals(List.of("recover"), forks.get("recover.mapdb-tx"));
        assertFalse(forks.keySet().stream().anyMatch(id -> id.startsWith("get-hit.") || id.startsWith("delete-half.")),
                "no read workload has forks of its own");
    }

    @Test
    void forksRunLoadsThenReadsThenRecovery() {
        List<String> kinds = ComparisonRunner.plan(Workload.defaults(List.of(4, 64)), Stores.ALL).stream()
                .map(ComparisonRunner.ForkPlan::label).distinct().toList();
        assertEquals(List.of("load", "load-4t", "load-64t", "load-4t-2r", "load-8t", "load-8t-2r", "reads", "recover"), kinds);
    }

    @Test
    void selectedReadsShareOneForkInRunOrder() {
        List<ComparisonRunner.ForkPlan> plan = ComparisonRunner.plan(workloads("delete-half,load,get-miss,get-hit"),
                List.of(Stores.byName("bucketdb"), Stores.byName("rocksdb-sync"), Stores.byName("lmdb")));
        Map<String, List<String>> forks = byId(plan);
        // The reads go where the first of them was named; rocksdb-sync runs none of them, so it has only its load.
        assertEquals(List.of("reads.bucketdb", "reads.lmdb", "load.bucketdb", "load.rocksdb-sync", "load.lmdb"),
                List.copyOf(forks.keySet()));
        assertEquals(List.of("get-hit", "get-miss", "delete-half"), forks.get("reads.bucketdb"));
    }

    @Test
    void bulkLoadAloneIsAForkWithoutReads() {
        Map<String, List<String>> forks = byId(ComparisonRunner.plan(workloads("bulk-load"), Stores.ALL));
        assertEquals(List.of("reads.bucketdb", "reads.hashmap", "reads.chm", "reads.mapdb", "reads.chronicle", "reads.rocksdb", "reads.lmdb"),
                List.copyOf(forks.keySet()));
        assertTrue(forks.values().stream().allMatch(List.of("bulk-load")::equals));
    }

    @Test
    void eachForkGetsTheCapOfWhatItWrites() {
        ComparisonRunner.Caps caps = new ComparisonRunner.Caps("20", "5", "3");
        Map<String, String> capById = ComparisonRunner.plan(Workload.defaults(List.of(4, 64)), Stores.ALL).stream()
                .collect(Collectors.toMap(ComparisonRunner.ForkPlan::id, caps::of));
        assertEquals("20", capById.get("load.bucketdb"));
        assertEquals("20", capById.get("load.lmdb"));
        assertEquals("5", capById.get("load-4t.bucketdb"));
        assertEquals("5", capById.get("load-64t.rocksdb"));
        // A store that forces every write takes the sync cap whatever it runs, its mixed read fork too.
        assertEquals("3", capById.get("load.bucketdb-sync"));
        assertEquals("3", capById.get("load-64t.rocksdb-sync"));
        assertEquals("3", capById.get("reads.mapdb-tx"));
        assertEquals("20", capById.get("reads.bucketdb"));
        assertEquals("20", capById.get("recover.bucketdb"));
    }

    @Test
    void workerTakesSeveralWorkloadsOnlyWhenAllAreReads() {
        assertEquals(workloads("get-hit,mixed,delete-half"), Worker.parseWorkloads("delete-half,get-hit,mixed"));
        assertEquals(workloads("load-4t"), Worker.parseWorkloads("load-4t"));
        assertThrows(IllegalArgumentException.class, () -> Worker.parseWorkloads("load,get-hit"));
        assertThrows(IllegalArgumentException.class, () -> Worker.parseWorkloads("get-hit,recover"));
    }
}
