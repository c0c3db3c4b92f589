package io.bucketdb.bench.compare;

import io.bucketdb.BucketDB;
import io.bucketdb.IndexBuild;
import io.bucketdb.Options;
import io.bucketdb.bench.Keys;

import java.nio.file.Path;

/**
 * BucketDB whose bulk load is a build of a new index ({@link BucketDB#build}): the entries are buffered, put in bucket
 * order into a table sized for them with no journal record each, checkpointed, renamed into place, and then the index
 * is opened; the build and the open are both in the timed load. Everything after the load is {@link BucketDbKv}'s
 * (ASYNC) on the built index. The index lives in {@code DIR/index}: a build creates its directory, and the runner's
 * directory exists already.
 */
final class BucketDbBuildKv implements KvStore {
    private final StoreSpec.Open how;
    private final Path indexDir;
    /** The open index; null before a load builds it. */
    private KvStore opened;

    private BucketDbBuildKv(StoreSpec.Open how) {
        this.how = how;
        this.indexDir = how.dir().resolve("index");
    }

    /** A reopen opens the built index; a new store waits for its load to build it. */
    static KvStore open(StoreSpec.Open how) throws Exception {
        BucketDbBuildKv s = new BucketDbBuildKv(how);
        if (!how.create()) {
            s.opened = s.openIndex(false);
        }
        return s;
    }

    /** @param create whether the index is created here (sized for the run), else it exists (built or reopened) */
    private KvStore openIndex(boolean create) throws Exception {
        return BucketDbKv.open(new StoreSpec.Open(indexDir, how.entries(), create, how.shape(), how.checkpoints()),
                io.bucketdb.Durability.ASYNC, create);
    }

    /** The built index, or (for a workload that writes without a load first) one created empty, sized. */
    private KvStore store() throws Exception {
        if (opened == null) {
            opened = openIndex(true);
        }
        return opened;
    }

    @Override
    public Shape shape() {
        return how.shape();
    }

    /** A build of keys {@code from..to-1} into a new index, then its open; into an index that exists: its bulk load. */
    @Override
    public void bulkLoad(int from, int to) throws Exception {
        if (opened != null) {
            opened.bulkLoad(from, to);
            return;
        }
        Shape shape = how.shape();
        Options o = Options.defaults().withHashSeed(BucketDbKv.HASH_SEED).withKeyWidth(shape.keyBytes())
                .withValueWidth(shape.valueBytes());
        long t0 = System.nanoTime();
        long t1;
        long t2;
        try (IndexBuild b = BucketDB.build(indexDir, o)) {
            if (shape.isLongs()) {
                for (int n = from; n < to; n++) {
                    long k = Keys.key(n);
                    b.putLong(k, Keys.valueOf(k));
                }
            } else {
                byte[] key = new byte[shape.keyBytes()];
                byte[] value = new byte[shape.valueBytes()];
                for (int n = from; n < to; n++) {
                    long k = Keys.key(n);
                    Keys.keyBytes(k, key);
                    Keys.valueBytes(Keys.valueOf(k), value);
                    b.put(key, value); // copied: the arrays are reused at once
                }
            }
            t1 = System.nanoTime();
            b.commit();
            t2 = System.nanoTime();
        }
        opened = openIndex(false);
        long t3 = System.nanoTime();
        // In the fork's log: where the timed load went (the puts only buffer; the commit builds and writes the index).
        System.out.printf("bucketdb-build: %d entries: puts (buffered) %.3f s, commit %.3f s, open %.3f s%n", to - from,
                (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
    }

    @Override
    public void settle() throws Exception {
        store().settle();
    }

    @Override
    public Session session() {
        return unchecked().session();
    }

    @Override
    public BytesSession bytesSession() {
        return unchecked().bytesSession();
    }

    private KvStore unchecked() {
        try {
            return store();
        } catch (Exception e) {
            throw new IllegalStateException("cannot open " + indexDir, e);
        }
    }

    @Override
    public long size() throws Exception {
        return store().size();
    }

    @Override
    public Scan scan() throws Exception {
        return store().scan();
    }

    @Override
    public Path compactAndClose(Path dir) throws Exception {
        return store().compactAndClose(indexDir);
    }

    @Override
    public void close() throws Exception {
        if (opened != null) {
            opened.close();
        }
    }
}
