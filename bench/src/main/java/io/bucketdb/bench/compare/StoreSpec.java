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
 * @param opener      opens (or creates) the store in a directory
 */
record StoreSpec(String name, String label, Durability durability, Writers writers, boolean onDisk,
                 List<String> jvmFlags, String settings, Opener opener) {

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
        /**
         * Opens the store in {@code dir} (which exists) for {@code entries} entries; {@code create}
         * is false when a closed store is reopened.
         */
        KvStore open(Path dir, int entries, boolean create) throws Exception;
    }

    /**
     * Which workloads this store runs. A store that forces every write (durability SYNC) runs only
     * the workloads that write: its reads are the same code as the unforced variant's.
     */
    boolean runs(Workload w) {
        if (w.threads() > 1 && writers == Writers.ONE_THREAD) {
            return false;
        }
        if (durability == Durability.SYNC) {
            return w.kind() == Workload.Kind.LOAD || w.kind() == Workload.Kind.MIXED;
        }
        return true;
    }
}
