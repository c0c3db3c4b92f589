package io.bucketdb.bench.compare;

import java.util.ArrayList;
import java.util.List;

/**
 * One measured part of the comparison. {@link Kind#LOAD} and {@link Kind#RECOVER} each run in a forked
 * JVM of their own, per store. The others ({@link Kind#reads()}) share one forked JVM per store: it
 * loads keys {@code 0 .. N-1} once, the store's fastest way ({@link Kind#BULK_LOAD}, timed), then runs
 * the selected ones in the order of this enum, {@link Kind#DELETE_HALF} last because it changes the store.
 *
 * @param kind    what is measured
 * @param threads writer threads ({@link Kind#LOAD} only; 1 elsewhere)
 * @param readers busy reader threads beside the writers ({@link Kind#LOAD} only, {@code load-<T>t-<R>r}; 0 elsewhere):
 *                each calls get on random keys in a loop for as long as the writers run (issue 16: a
 *                service whose request threads read the index while others write)
 */
record Workload(Kind kind, int threads, int readers) {

    /** The workload names, as the usage messages list them. */
    static final String KNOWN = "load, load-<T>t, load-<T>t-<R>r, bulk-load, get-hit, get-miss, mixed, iterate, delete-half, recover";

    Workload(Kind kind, int threads) {
        this(kind, threads, 0);
    }

    enum Kind {
        /** Puts keys 0 .. N-1 into an empty store. With one thread: put latency per operation
         * (HdrHistogram), then close, bytes on disk and the time to open again. */
        LOAD("load"),
        /**
         * Keys 0 .. N-1 into an empty store from one producer, the store's fastest way
         * ({@link KvStore#bulkLoad}: BucketDB its {@code BulkLoad}, batches or big transactions
         * elsewhere); the start of every read fork, timed.
         */
        BULK_LOAD("bulk-load"),
        /** Gets of present keys, uniformly sampled. */
        GET_HIT("get-hit"),
        /** Gets of absent keys. */
        GET_MISS("get-miss"),
        /** Each operation a get or an overwriting put (50/50, fixed-seed random), of present keys. */
        MIXED("mixed"),
        /** Full iterations over all entries. */
        ITERATE("iterate"),
        /** Deletes the even-numbered half of the keys, then gets uniformly over all N (half hit). Last: it changes the store. */
        DELETE_HALF("delete-half"),
        /**
         * A child JVM loads keys 0 .. N-1 with nothing checkpointed since the open and is killed with
         * SIGKILL; the time of the next open (recovery) is measured and a sample checked.
         */
        RECOVER("recover");

        final String id;

        Kind(String id) {
            this.id = id;
        }

        /** Whether this runs in the store's read fork, after its one bulk load. */
        boolean reads() {
            return this != LOAD && this != RECOVER;
        }
    }

    String id() {
        if (readers > 0) {
            return kind.id + "-" + threads + "t-" + readers + "r";
        }
        return threads == 1 ? kind.id : kind.id + "-" + threads + "t";
    }

    static Workload parse(String id) {
        for (Kind k : Kind.values()) {
            if (id.equals(k.id)) {
                return new Workload(k, 1);
            }
            if (k == Kind.LOAD && id.startsWith(k.id + "-") && id.endsWith("t")) {
                return new Workload(k, Integer.parseInt(id.substring(k.id.length() + 1, id.length() - 1)));
            }
            if (k == Kind.LOAD && id.matches("load-[0-9]+t-[0-9]+r")) {
                String[] parts = id.substring(k.id.length() + 1, id.length() - 1).split("t-");
                return new Workload(k, Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
            }
        }
        throw new IllegalArgumentException("unknown workload " + id + "; known: " + KNOWN);
    }

    /** Busy reader threads of the default readers workload ({@code load-<T>t-2r}). */
    static final int DEFAULT_READERS = 2;

    /**
     * Writer threads of the second readers workload in the default list ({@code load-8t} and {@code load-8t-2r}): the
     * issue's {@code SYNC} goal is stated for 8 blocking writers beside 2 busy readers (its ASYNC goal for 4). Every
     * store that runs multi-threaded loads runs it, so the row has every peer beside BucketDB's SYNC and ASYNC.
     */
    static final int SYNC_READERS_WRITERS = 8;

    /**
     * The default list: single-threaded load, then the loads at {@code writerThreads}, the first of them again beside
     * {@link #DEFAULT_READERS} busy readers, then the {@code SYNC} goal's readers workload ({@link #SYNC_READERS_WRITERS}
     * writers alone and beside the readers), then the rest.
     */
    static List<Workload> defaults(List<Integer> writerThreads) {
        List<Workload> out = new ArrayList<>();
        out.add(new Workload(Kind.LOAD, 1));
        for (int t : writerThreads) {
            if (t > 1) {
                out.add(new Workload(Kind.LOAD, t));
            }
        }
        // The first multi-threaded load again beside 2 busy readers (issue 16): how much of its write rate each store keeps.
        writerThreads.stream().filter(t -> t > 1).findFirst().ifPresent(t -> out.add(new Workload(Kind.LOAD, t, DEFAULT_READERS)));
        if (!writerThreads.contains(SYNC_READERS_WRITERS)) {
            out.add(new Workload(Kind.LOAD, SYNC_READERS_WRITERS));
        }
        out.add(new Workload(Kind.LOAD, SYNC_READERS_WRITERS, DEFAULT_READERS));
        for (Kind k : Kind.values()) {
            if (k != Kind.LOAD) {
                out.add(new Workload(k, 1));
            }
        }
        return out;
    }
}
