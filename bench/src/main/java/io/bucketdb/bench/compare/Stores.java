package io.bucketdb.bench.compare;

import io.bucketdb.bench.compare.StoreSpec.Writers;

import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every store the comparison knows, in report order; BucketDB first, as the baseline of every ratio.
 *
 * <p>BucketDB runs in both durability modes: {@code bucketdb} (ASYNC, {@link Durability#PROCESS})
 * and {@code bucketdb-sync} ({@link Durability#SYNC}); {@link #baselineFor} compares each peer
 * with the BucketDB variant that promises the same.
 */
final class Stores {
    /** The baseline of the ratios. */
    static final String BUCKETDB = "bucketdb";

    /** Chronicle Map on JDK 25: the flags its documentation lists for Java 17 and 21, and no analytics. */
    static final List<String> CHRONICLE_FLAGS = List.of(
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-Dchronicle.analytics.disable=true");

    /**
     * lmdbjava's default buffer proxy reads direct buffers' addresses through sun.misc.Unsafe and
     * {@code sun.nio.ch.DirectBuffer}; lmdbjava's README lists these flags for Java 9 and later.
     */
    static final List<String> LMDB_FLAGS = List.of(
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow");

    /** How BucketDB compacts: the tools' command, which bench calls in the worker JVM. */
    private static final String BUCKETDB_COMPACT = "bucketdb compact DIR (the tools' command, on the closed index): rebuilds it "
            + "sized for its count, checks it entry by entry, swaps it in by renames";

    /** BucketDB's bulk load ({@link BucketDbKv#bulkLoad}). */
    private static final String BUCKETDB_BULK = "one producer, a BulkLoad of 65,536 buffered entries (putLong; put in byte shapes), "
            + "flushed in groups of 4,096, one wait per flush; done when the last flush is acknowledged";

    /** BucketDB's default force interval and checkpoint triggers, read from Options so the text follows them. */
    private static String bucketDbTriggers() {
        io.bucketdb.Options d = io.bucketdb.Options.defaults();
        return String.format("journal forced every %d ms, checkpoints at %d MiB dirty / %d MiB journal / %d s "
                        + "(on this machine), written-back pages kept up to %d MiB of private memory",
                d.asyncForceInterval().toMillis(), d.dirtyLimitBytes() >> 20, d.journalLimitBytes() >> 20,
                d.checkpointInterval().toSeconds(), d.privateMemoryLimitBytes() >> 20);
    }

    static final List<StoreSpec> ALL = List.of(
            new StoreSpec(BUCKETDB, "BucketDB (ASYNC)", Durability.PROCESS, Writers.SERIALIZED, true, List.of(),
                    "Options.defaults().withHashSeed(fixed).withDurability(ASYNC).withKeyWidth(K).withValueWidth(V), grows from empty; "
                            + "8x8: getLong/putLong/deleteLong (allocation-free), byte shapes: get(byte[]) (returns a copy)/put/delete; "
                            + "writes go through the Disruptor ring and are committed by whichever caller holds the writer role, acknowledged "
                            + "after the journal write, " + bucketDbTriggers()
                            + "; reads on a settled store (a checkpoint written after the bulk load)",
                    BUCKETDB_COMPACT,
                    "replays the journal since the last checkpoint (checkpoint triggers off while the child loads: all N puts)",
                    BUCKETDB_BULK,
                    how -> BucketDbKv.open(how, io.bucketdb.Durability.ASYNC)),
            new StoreSpec(BUCKETDB + "-sync", "BucketDB (SYNC)", Durability.SYNC, Writers.SERIALIZED, true, List.of(),
                    "as BucketDB (ASYNC) but withDurability(SYNC): a put returns after the journal force that covers it; "
                            + "concurrent writers share forces (group commit per ring batch)",
                    BUCKETDB_COMPACT, null,
                    BUCKETDB_BULK + "; each group commit forced (SYNC)",
                    how -> BucketDbKv.open(how, io.bucketdb.Durability.SYNC)),
            new StoreSpec("hashmap", "HashMap", Durability.NONE, Writers.ONE_THREAD, false, List.of(),
                    "new HashMap<Long, Long>() in 8x8, HashMap<Key, byte[]> in byte shapes (Key wraps a copy of the key array; "
                            + "gets through a reused probe key); default capacity (resizes while loading), boxed",
                    null, null,
                    "put one at a time",
                    how -> how.shape().isLongs() ? new JavaMapKv(new HashMap<>()) : new JavaBytesMapKv(new HashMap<>(), how.shape())),
            new StoreSpec("chm", "ConcurrentHashMap", Durability.NONE, Writers.CONCURRENT, false, List.of(),
                    "new ConcurrentHashMap<Long, Long>() in 8x8, ConcurrentHashMap<Key, byte[]> in byte shapes (as HashMap); "
                            + "default capacity (resizes while loading), boxed",
                    null, null,
                    "put one at a time",
                    how -> how.shape().isLongs() ? new JavaMapKv(new ConcurrentHashMap<>())
                            : new JavaBytesMapKv(new ConcurrentHashMap<>(), how.shape())),
            new StoreSpec("mapdb", "MapDB HTreeMap (mmap)", Durability.NONE, Writers.CONCURRENT, true, List.of(),
                    MapDbKv.settings(false),
                    "db.getStore().compact() on the open store", null,
                    "put one at a time (no commit: no log)",
                    how -> MapDbKv.open(how, false)),
            new StoreSpec("mapdb-tx", "MapDB HTreeMap (mmap, WAL, commit per put)", Durability.SYNC, Writers.CONCURRENT, true, List.of(),
                    MapDbKv.settings(true),
                    "db.getStore().compact() on the open store",
                    "replays its write-ahead log (the child's load: N puts, one commit at the end)",
                    "put one at a time, one commit() at the end",
                    how -> MapDbKv.open(how, true)),
            new StoreSpec("chronicle", "Chronicle Map", Durability.PROCESS, Writers.CONCURRENT, true, CHRONICLE_FLAGS,
                    ChronicleKv.settings(),
                    null, null,
                    "put one at a time",
                    ChronicleKv::open),
            new StoreSpec("rocksdb", "RocksDB (sync=false)", Durability.PROCESS, Writers.CONCURRENT, true, List.of(),
                    RocksDbKv.settings(false),
                    "flush, then compactRange() over all keys, on the open store",
                    "replays its write-ahead log: what the memtable held, not yet flushed to a table file (see the files at the kill)",
                    "WriteBatch of 10,000 puts (sync=false), then one syncWal()",
                    how -> RocksDbKv.open(how, false)),
            new StoreSpec("rocksdb-sync", "RocksDB (sync=true)", Durability.SYNC, Writers.CONCURRENT, true, List.of(),
                    RocksDbKv.settings(true),
                    "flush, then compactRange() over all keys, on the open store", null,
                    "WriteBatch of 10,000 puts (sync=false), then one syncWal()",
                    how -> RocksDbKv.open(how, true)),
            new StoreSpec("lmdb", "LMDB (MDB_NOSYNC)", Durability.PROCESS, Writers.SERIALIZED, true, LMDB_FLAGS,
                    LmdbKv.settings(false),
                    "no compaction in place; Env.copy(dir, MDB_CP_COMPACT), the documented copy that omits free pages, measured", null,
                    "one write transaction per 100,000 puts, then env.sync(true)",
                    how -> LmdbKv.open(how, false)),
            new StoreSpec("lmdb-sync", "LMDB (sync)", Durability.SYNC, Writers.SERIALIZED, true, LMDB_FLAGS,
                    LmdbKv.settings(true),
                    "no compaction in place; Env.copy(dir, MDB_CP_COMPACT)", null,
                    "one write transaction per 100,000 puts (each commit forced), then env.sync(true)",
                    how -> LmdbKv.open(how, true)));

    /** BucketDB created for the run's entry count: never the baseline of a ratio, and run only when named. */
    static final String BUCKETDB_SIZED = BUCKETDB + "-sized";
    /** BucketDB whose bulk load builds a new index ({@code BucketDB.build}): run only when named, never a baseline. */
    static final String BUCKETDB_BUILD = BUCKETDB + "-build";

    /**
     * Stores run only when {@code --stores} names them. {@code bucketdb-sized} separates what growth costs from what
     * a put costs: it is BucketDB (ASYNC) given the size hint Chronicle Map requires.
     */
    static final List<StoreSpec> ON_REQUEST = List.of(
            new StoreSpec(BUCKETDB_SIZED, "BucketDB (ASYNC, sized)", Durability.PROCESS, Writers.SERIALIZED, true, List.of(),
                    "as BucketDB (ASYNC) but created withExpectedEntries(N), the size hint Chronicle Map's entries(N) is: "
                            + "the table starts at the B that holds N and never grows while loading",
                    BUCKETDB_COMPACT, null, BUCKETDB_BULK,
                    how -> BucketDbKv.open(how, io.bucketdb.Durability.ASYNC, true)),
            new StoreSpec(BUCKETDB_BUILD, "BucketDB (ASYNC, built)", Durability.PROCESS, Writers.SERIALIZED, true, List.of(),
                    "as BucketDB (ASYNC), but its bulk load builds a new index (BucketDB.build, in DIR/index) and then opens it",
                    BUCKETDB_COMPACT, null,
                    "BucketDB.build: putLong (put in byte shapes) buffers off the heap; commit() creates the index sized for N under a "
                            + "staging name, puts the entries in bucket-region order with no journal record, checkpoints it at its close "
                            + "and renames it into place; then BucketDB.open; build and open both timed",
                    BucketDbBuildKv::open));

    private Stores() {
    }

    static StoreSpec byName(String name) {
        for (List<StoreSpec> list : List.of(ALL, ON_REQUEST)) {
            for (StoreSpec s : list) {
                if (s.name().equals(name)) {
                    return s;
                }
            }
        }
        throw new IllegalArgumentException("unknown store " + name + "; known: " + names());
    }

    static List<String> names() {
        return java.util.stream.Stream.concat(ALL.stream(), ON_REQUEST.stream()).map(StoreSpec::name).toList();
    }

    /**
     * The BucketDB variant a peer is compared with: the one that promises the same durability if
     * there is one (none today beside the non-durable {@value #BUCKETDB}), else {@value #BUCKETDB}.
     */
    static StoreSpec baselineFor(StoreSpec peer, List<StoreSpec> present) {
        StoreSpec fallback = null;
        for (StoreSpec s : present) {
            if (s.name().equals(BUCKETDB)) {
                fallback = s;
            }
        }
        for (StoreSpec s : present) {
            if (s.name().startsWith(BUCKETDB + "-") && !s.name().equals(BUCKETDB_SIZED)
                    && !s.name().equals(BUCKETDB_BUILD) && s.durability() == peer.durability()) {
                return s;
            }
        }
        return fallback;
    }
}
