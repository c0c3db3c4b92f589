package io.bucketdb.bench;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import org.apache.commons.io.FileUtils;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A BucketDB index with 8-byte keys and values in a fresh directory under {@code java.io.tmpdir}. */
final class BucketDbStore implements LongStore {
    static final String NAME = "bucketdb";
    /** A fixed hash seed, so every run lays the keys out in the same buckets. */
    private static final long HASH_SEED = 0x6A09E667F3BCC908L;

    private final Path dir;
    private BucketDB db;

    private BucketDbStore(Path dir, BucketDB db) {
        this.dir = dir;
        this.db = db;
    }

    static BucketDbStore create() throws IOException {
        Path dir = Files.createTempDirectory("bucketdb-bench-");
        try {
            // ASYNC: a put is acknowledged once the writer thread has journaled (written, not forced) and
            // applied it, so these figures are the table plus the pipeline round trip, not the disk's fsync.
            return new BucketDbStore(dir, BucketDB.open(dir.resolve("index"),
                    Options.defaults().withHashSeed(HASH_SEED).withDurability(io.bucketdb.Durability.ASYNC)));
        } catch (IOException | RuntimeException e) {
            FileUtils.deleteDirectory(dir.toFile());
            throw e;
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Setup only: a window of async puts in flight, batched by the ring, instead of one hand-off per key. */
    @Override
    public void bulkLoad(int from, int to) {
        @SuppressWarnings("unchecked")
        java.util.concurrent.CompletableFuture<Boolean>[] window = new java.util.concurrent.CompletableFuture[4096];
        for (int n = from; n < to; n++) {
            int w = n & (window.length - 1);
            if (window[w] != null) {
                window[w].join();
            }
            long k = Keys.key(n);
            window[w] = db.putLongAsync(k, Keys.valueOf(k));
        }
        for (var f : window) {
            if (f != null) {
                f.join();
            }
        }
        if (Boolean.getBoolean("bucketdb.bench.reopen")) {
            // Measure reads of a reopened index (pages come from the file and are checked against their
            // page checksums on first read), not of the one that wrote them (pages in private memory).
            try {
                db.close();
                db = BucketDB.open(dir.resolve("index"), Options.defaults().withDurability(io.bucketdb.Durability.ASYNC));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Override
    public long get(long key, long missing) {
        return db.getLong(key, missing);
    }

    @Override
    public boolean put(long key, long value) {
        return db.putLong(key, value);
    }

    @Override
    public boolean delete(long key) {
        return db.deleteLong(key);
    }

    @Override
    public long size() {
        return db.size();
    }

    @Override
    public void close() throws IOException {
        try {
            db.close();
        } finally {
            FileUtils.deleteDirectory(dir.toFile());
        }
    }
}
