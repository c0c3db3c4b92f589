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

    static final List<StoreSpec> ALL = List.of(
            new StoreSpec(BUCKETDB, "BucketDB (ASYNC)", Durability.PROCESS, Writers.SERIALIZED, true, List.of(),
                    "Options.defaults().withHashSeed(fixed).withDurability(ASYNC): 8-byte keys and values, grows from empty; "
                            + "getLong/putLong/deleteLong; writes go through the Disruptor ring to one writer thread, acknowledged "
                            + "after the journal write, journal forced every 100 ms, checkpoints at 64 MiB dirty / 256 MiB journal / 60 s",
                    (dir, entries, create) -> BucketDbKv.open(dir, create, io.bucketdb.Durability.ASYNC)),
            new StoreSpec(BUCKETDB + "-sync", "BucketDB (SYNC)", Durability.SYNC, Writers.SERIALIZED, true, List.of(),
                    "as BucketDB (ASYNC) but withDurability(SYNC): a put returns after the journal force that covers it; "
                            + "concurrent writers share forces (group commit per ring batch)",
                    (dir, entries, create) -> BucketDbKv.open(dir, create, io.bucketdb.Durability.SYNC)),
            new StoreSpec("hashmap", "HashMap", Durability.NONE, Writers.ONE_THREAD, false, List.of(),
                    "new HashMap<Long, Long>() (default capacity, resizes while loading), boxed",
                    (dir, entries, create) -> new JavaMapKv(new HashMap<>())),
            new StoreSpec("chm", "ConcurrentHashMap", Durability.NONE, Writers.CONCURRENT, false, List.of(),
                    "new ConcurrentHashMap<Long, Long>() (default capacity, resizes while loading), boxed",
                    (dir, entries, create) -> new JavaMapKv(new ConcurrentHashMap<>())),
            new StoreSpec("mapdb", "MapDB HTreeMap (mmap)", Durability.NONE, Writers.CONCURRENT, true, List.of(),
                    MapDbKv.settings(false),
                    (dir, entries, create) -> MapDbKv.open(dir, entries, create, false)),
            new StoreSpec("mapdb-tx", "MapDB HTreeMap (mmap, WAL, commit per put)", Durability.SYNC, Writers.CONCURRENT, true, List.of(),
                    MapDbKv.settings(true),
                    (dir, entries, create) -> MapDbKv.open(dir, entries, create, true)),
            new StoreSpec("chronicle", "Chronicle Map", Durability.PROCESS, Writers.CONCURRENT, true, CHRONICLE_FLAGS,
                    ChronicleKv.settings(),
                    ChronicleKv::open),
            new StoreSpec("rocksdb", "RocksDB (sync=false)", Durability.PROCESS, Writers.CONCURRENT, true, List.of(),
                    RocksDbKv.settings(false),
                    (dir, entries, create) -> RocksDbKv.open(dir, entries, create, false)),
            new StoreSpec("rocksdb-sync", "RocksDB (sync=true)", Durability.SYNC, Writers.CONCURRENT, true, List.of(),
                    RocksDbKv.settings(true),
                    (dir, entries, create) -> RocksDbKv.open(dir, entries, create, true)),
            new StoreSpec("lmdb", "LMDB (MDB_NOSYNC)", Durability.PROCESS, Writers.SERIALIZED, true, LMDB_FLAGS,
                    LmdbKv.settings(false),
                    (dir, entries, create) -> LmdbKv.open(dir, entries, create, false)),
            new StoreSpec("lmdb-sync", "LMDB (sync)", Durability.SYNC, Writers.SERIALIZED, true, LMDB_FLAGS,
                    LmdbKv.settings(true),
                    (dir, entries, create) -> LmdbKv.open(dir, entries, create, true)));

    private Stores() {
    }

    static StoreSpec byName(String name) {
        for (StoreSpec s : ALL) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown store " + name + "; known: " + names());
    }

    static List<String> names() {
        return ALL.stream().map(StoreSpec::name).toList();
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
            if (s.name().startsWith(BUCKETDB + "-") && s.durability() == peer.durability()) {
                return s;
            }
        }
        return fallback;
    }
}
