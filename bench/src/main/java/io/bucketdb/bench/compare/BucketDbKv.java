package io.bucketdb.bench.compare;

import io.bucketdb.BucketDB;
import io.bucketdb.Cursor;
import io.bucketdb.Options;

import java.nio.file.Path;

/** BucketDB through its {@code long} path; writes go through its pipeline to one writer thread. */
final class BucketDbKv implements KvStore {
    /** A fixed hash seed, as in the JMH benchmarks, so every run lays the keys out alike. */
    private static final long HASH_SEED = 0x6A09E667F3BCC908L;

    private final BucketDB db;

    private BucketDbKv(BucketDB db) {
        this.db = db;
    }

    static KvStore open(Path dir, boolean create, io.bucketdb.Durability durability) throws Exception {
        return new BucketDbKv(BucketDB.open(dir, Options.defaults().withHashSeed(HASH_SEED).withCreateIfMissing(create)
                .withDurability(durability)));
    }

    /**
     * The untimed preload: a window of asynchronous puts in flight, so the ring batches them and a
     * SYNC index forces once per batch (group commit) instead of once per key.
     */
    @Override
    public void bulkLoad(int from, int to) {
        @SuppressWarnings("unchecked")
        java.util.concurrent.CompletableFuture<Boolean>[] window = new java.util.concurrent.CompletableFuture[4096];
        for (int n = from; n < to; n++) {
            int w = n & (window.length - 1);
            if (window[w] != null) {
                window[w].join();
            }
            long k = io.bucketdb.bench.Keys.key(n);
            window[w] = db.putLongAsync(k, io.bucketdb.bench.Keys.valueOf(k));
        }
        for (var f : window) {
            if (f != null) {
                f.join();
            }
        }
    }

    @Override
    public Session session() {
        BucketDB d = db;
        return new Session() {
            @Override
            public long get(long key, long missing) {
                return d.getLong(key, missing);
            }

            @Override
            public void put(long key, long value) {
                d.putLong(key, value);
            }

            @Override
            public void delete(long key) {
                d.deleteLong(key);
            }
        };
    }

    @Override
    public long size() {
        return db.size();
    }

    @Override
    public Scan scan() {
        Cursor c = db.cursor();
        long count = 0;
        long sum = 0;
        while (c.next()) {
            count++;
            sum += c.keyLong();
        }
        return new Scan(count, sum);
    }

    @Override
    public void close() throws Exception {
        db.close();
    }
}
