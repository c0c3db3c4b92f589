package io.bucketdb.bench.compare;

import java.nio.file.Path;
import java.util.List;

/**
 * One column of the comparison: a store with its settings.
 *
 * @param name        short name, used on the command line and in file names
 * @param label       what the report calls it
 * @param durability  what a put has promised when it returns
 * @param writers     whether several threads may write at once
 * @param onDisk      whether the store has files (bytes on disk and open time apply)
 * @param jvmFlags    extra flags for this store's forked JVMs only
 * @param settings    the settings, as the report prints them
 * @param compaction  how the store gives back space after deletes (the delete-half workload runs it), or
 *                    null if it has no way
 * @param recovery    what the store replays when opened after a crash (the recover workload measures
 *                    it), or null if it has no recovery to measure
 * @param bulkLoad    how {@link KvStore#bulkLoad} puts N keys into the empty store from one producer, the
 *                    store's fastest way (the bulk-load row and the read fork's preload)
 * @param opener      opens (or creates) the store in a directory
 */
record StoreSpec(String name, String label, Durability durability, Writers writers, boolean onDisk,
                 List<String> jvmFlags, String settings, String compaction, String recovery, String bulkLoad,
                 Opener opener) {

    /** Whether, and how, a store takes writes from several threads. */
    enum Writers {
        /** Not thread-safe: no multi-threaded workloads. */
        ONE_THREAD,
        /** Thread-safe, one write at a time (a lock or a single-writer transaction). */
        SERIALIZED,
        /** Writes on different keys proceed in parallel (segments, shards, a lock-free structure). */
        CONCURRENT
    }

    interface Opener {
        /** Opens (or creates) the store as {@code how} says. */
        KvStore open(Open how) throws Exception;
    }

    /**
     * How to open a store.
     *
     * @param dir         where its files go (the directory exists)
     * @param entries     the entries it will hold (for the stores that must be sized up front)
     * @param create      false when a closed or crashed store is reopened
     * @param shape       key and value widths
     * @param checkpoints false to keep the store from checkpointing on its own (BucketDB's triggers off), so
     *                    that everything since the open is left for recovery to replay
     */
    record Open(Path dir, int entries, boolean create, Shape shape, boolean checkpoints) {
        Open reopen() {
            return new Open(dir, entries, false, shape, true);
        }
    }

    /**
     * Which workloads this store runs. A store that forces every write (durability SYNC) runs only
     * the workloads that write: its reads are the same code as the unforced variant's. Its bulk load
     * (the preload of its mixed run) is not a row: RocksDB's is not forced, so the row would mix
     * promises, and the goal it measures is for unforced loads.
     */
    boolean runs(Workload w) {
        if (w.threads() > 1 && writers == Writers.ONE_THREAD) {
            return false;
        }
        if (w.kind() == Workload.Kind.RECOVER) {
            return recovery != null;
        }
        if (durability == Durability.SYNC) {
            return w.kind() == Workload.Kind.LOAD || w.kind() == Workload.Kind.MIXED;
        }
        return true;
    }
}
