package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * RocksDB through its direct-{@code ByteBuffer} API (no {@code byte[]} per call; in the byte shapes the
 * caller's arrays are copied into the session's direct buffers), tuned as its
 * documentation suggests for point lookups: {@code optimizeForPointLookup} (bloom filters, a hash
 * index inside data blocks, a block cache) and background threads for the machine's cores. Puts
 * go through the write-ahead log; {@code sync} says whether each one is forced before it returns.
 */
final class RocksDbKv implements KvStore {
    private static final long BLOCK_CACHE_MB = 256;

    private final RocksDB db;
    private final Options options;
    private final WriteOptions writeOptions;
    private final ReadOptions readOptions;
    private final Shape shape;

    private RocksDbKv(RocksDB db, Options options, WriteOptions writeOptions, ReadOptions readOptions, Shape shape) {
        this.db = db;
        this.options = options;
        this.writeOptions = writeOptions;
        this.readOptions = readOptions;
        this.shape = shape;
    }

    static String settings(boolean sync) {
        return "Options().optimizeForPointLookup(" + BLOCK_CACHE_MB + " MB).setIncreaseParallelism("
                + Runtime.getRuntime().availableProcessors() + "), compression default, WAL on; WriteOptions.setSync("
                + sync + "); direct ByteBuffer get/put/delete; reads on a settled store (memtable flushed, compactions done)";
    }

    static KvStore open(StoreSpec.Open how, boolean sync) throws Exception {
        RocksDB.loadLibrary();
        Options options = new Options()
                .setCreateIfMissing(how.create())
                .optimizeForPointLookup(BLOCK_CACHE_MB)
                .setIncreaseParallelism(Runtime.getRuntime().availableProcessors());
        WriteOptions wo = new WriteOptions().setSync(sync);
        ReadOptions ro = new ReadOptions();
        return new RocksDbKv(RocksDB.open(options, how.dir().toString()), options, wo, ro, how.shape());
    }

    @Override
    public Shape shape() {
        return shape;
    }

    @Override
    public Session session() {
        if (!shape.isLongs()) {
            throw new IllegalStateException("opened for " + shape + ": use bytesSession()");
        }
        RocksDB d = db;
        WriteOptions wo = writeOptions;
        ReadOptions ro = readOptions;
        ByteBuffer key = ByteBuffer.allocateDirect(8);
        ByteBuffer value = ByteBuffer.allocateDirect(8);
        return new Session() {
            @Override
            public long get(long k, long missing) throws Exception {
                key.clear();
                key.putLong(0, k);
                value.clear();
                int n = d.get(ro, key, value);
                return n == RocksDB.NOT_FOUND ? missing : value.getLong(0);
            }

            @Override
            public void put(long k, long v) throws Exception {
                key.clear();
                key.putLong(0, k);
                value.clear();
                value.putLong(0, v);
                d.put(wo, key, value);
            }

            @Override
            public void delete(long k) throws Exception {
                key.clear();
                key.putLong(0, k);
                d.delete(wo, key);
            }
        };
    }

    @Override
    public BytesSession bytesSession() {
        RocksDB d = db;
        WriteOptions wo = writeOptions;
        ReadOptions ro = readOptions;
        ByteBuffer key = ByteBuffer.allocateDirect(shape.keyBytes());
        ByteBuffer value = ByteBuffer.allocateDirect(shape.valueBytes());
        return new BytesSession() {
            @Override
            public boolean get(byte[] k, byte[] valueOut) throws Exception {
                key.clear();
                key.put(k).flip();
                value.clear();
                if (d.get(ro, key, value) == RocksDB.NOT_FOUND) {
                    return false;
                }
                value.get(0, valueOut);
                return true;
            }

            @Override
            public void put(byte[] k, byte[] v) throws Exception {
                key.clear();
                key.put(k).flip();
                value.clear();
                value.put(v).flip();
                d.put(wo, key, value);
            }

            @Override
            public void delete(byte[] k) throws Exception {
                key.clear();
                key.put(k).flip();
                d.delete(wo, key);
            }
        };
    }

    /** Batches of 10 000 puts without sync, then one flush of the write-ahead log. */
    @Override
    public void bulkLoad(int from, int to) throws Exception {
        try (WriteOptions unsynced = new WriteOptions().setSync(false)) {
            int n = from;
            while (n < to) {
                try (WriteBatch batch = new WriteBatch()) {
                    for (int end = Math.min(to, n + 10_000); n < end; n++) {
                        long k = Keys.key(n);
                        if (shape.isLongs()) {
                            batch.put(longBytes(k), longBytes(Keys.valueOf(k)));
                        } else {
                            batch.put(Keys.keyBytes(k, shape.keyBytes()), Keys.valueBytes(Keys.valueOf(k), shape.valueBytes()));
                        }
                    }
                    db.write(unsynced, batch);
                }
            }
        }
        db.syncWal();
    }

    /** Flushes the memtable and waits (at most a minute) until no compaction is pending or running. */
    @Override
    public void settle() throws Exception {
        try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
            db.flush(fo);
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline
                && (db.getLongProperty("rocksdb.compaction-pending") > 0 || db.getLongProperty("rocksdb.num-running-compactions") > 0)) {
            Thread.sleep(50);
        }
    }

    /** Counts by iterating: RocksDB keeps only an estimate ({@code rocksdb.estimate-num-keys}). */
    @Override
    public long size() {
        return scan().count();
    }

    @Override
    public Scan scan() {
        long count = 0;
        long sum = 0;
        // The first 8 bytes of a key are its long in either shape (big-endian, as putLong and Keys write it).
        ByteBuffer key = ByteBuffer.allocateDirect(shape.keyBytes());
        try (RocksIterator it = db.newIterator(readOptions)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                key.clear();
                it.key(key);
                count++;
                sum += key.getLong(0);
            }
        }
        return new Scan(count, sum);
    }

    private static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).putLong(0, v).array();
    }

    /** {@code compactRange()} over the whole key space (after the deletes' tombstones reach the files), then close. */
    @Override
    public Path compactAndClose(Path dir) throws Exception {
        settle();
        db.compactRange();
        close();
        return dir;
    }

    @Override
    public void close() throws Exception {
        readOptions.close();
        writeOptions.close();
        db.closeE();
        options.close();
    }
}
