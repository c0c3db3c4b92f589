package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;
import org.lmdbjava.CopyFlags;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * LMDB through lmdbjava with direct {@code ByteBuffer}s. Each put or delete is its own write
 * transaction (committed before it returns; LMDB admits one writer at a time). Reads use one read
 * transaction per thread, kept open and only renewed (reset + renew, which LMDB documents as the
 * cheap way to reuse it) after that thread has written, so it sees its own writes.
 * Without {@code sync}, the environment is opened with {@code MDB_NOSYNC}: a commit hands its pages
 * to the OS and does not force them. In the byte shapes the caller's arrays are copied into the
 * session's direct buffers, and a value read is copied out of LMDB's map.
 */
final class LmdbKv implements KvStore {
    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> dbi;
    private final Shape shape;

    private LmdbKv(Env<ByteBuffer> env, Dbi<ByteBuffer> dbi, Shape shape) {
        this.env = env;
        this.dbi = dbi;
        this.shape = shape;
    }

    /** 512 bytes of map per entry: four times what a 16 → 100 entry takes in a B+tree page, so room for both shapes. */
    static long mapSize(int entries) {
        return Math.max(256L << 20, entries * 512L);
    }

    static String settings(boolean sync) {
        return "Env.create().setMapSize(max(256 MiB, 512 B x N)).setMaxDbs(1).setMaxReaders(256).open(dir"
                + (sync ? "" : ", MDB_NOSYNC") + "); one write txn per put/delete; reused read txn per thread "
                + "(reset/renew after the thread wrote); direct ByteBuffers (lmdbjava's default buffer proxy)";
    }

    static KvStore open(StoreSpec.Open how, boolean sync) {
        long mapSize = mapSize(how.entries());
        Env<ByteBuffer> env = sync
                ? Env.create().setMapSize(mapSize).setMaxDbs(1).setMaxReaders(256).open(how.dir().toFile())
                : Env.create().setMapSize(mapSize).setMaxDbs(1).setMaxReaders(256).open(how.dir().toFile(), EnvFlags.MDB_NOSYNC);
        Dbi<ByteBuffer> dbi = how.create() ? env.openDbi("bench", DbiFlags.MDB_CREATE) : env.openDbi("bench");
        return new LmdbKv(env, dbi, how.shape());
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
        Env<ByteBuffer> e = env;
        Dbi<ByteBuffer> d = dbi;
        ByteBuffer key = ByteBuffer.allocateDirect(8);
        ByteBuffer value = ByteBuffer.allocateDirect(8);
        ReadTxn read = new ReadTxn(e);
        return new Session() {
            @Override
            public long get(long k, long missing) {
                key.putLong(0, k);
                ByteBuffer v = d.get(read.current(), key);
                return v == null ? missing : v.getLong(0);
            }

            @Override
            public void put(long k, long v) {
                key.putLong(0, k);
                value.putLong(0, v);
                read.write(txn -> d.put(txn, key, value));
            }

            @Override
            public void delete(long k) {
                key.putLong(0, k);
                read.write(txn -> d.delete(txn, key));
            }

            @Override
            public void close() {
                read.close();
            }
        };
    }

    @Override
    public BytesSession bytesSession() {
        Env<ByteBuffer> e = env;
        Dbi<ByteBuffer> d = dbi;
        ByteBuffer key = ByteBuffer.allocateDirect(shape.keyBytes());
        ByteBuffer value = ByteBuffer.allocateDirect(shape.valueBytes());
        ReadTxn read = new ReadTxn(e);
        return new BytesSession() {
            @Override
            public boolean get(byte[] k, byte[] valueOut) {
                key.clear();
                key.put(k).flip();
                ByteBuffer v = d.get(read.current(), key);
                if (v == null) {
                    return false;
                }
                v.get(0, valueOut);
                return true;
            }

            @Override
            public void put(byte[] k, byte[] v) {
                key.clear();
                key.put(k).flip();
                value.clear();
                value.put(v).flip();
                read.write(txn -> d.put(txn, key, value));
            }

            @Override
            public void delete(byte[] k) {
                key.clear();
                key.put(k).flip();
                read.write(txn -> d.delete(txn, key));
            }

            @Override
            public void close() {
                read.close();
            }
        };
    }

    /**
     * One thread's read transaction, opened on first use and kept; renewed (reset + renew) only before a
     * read that follows a write of this thread, so the thread sees its own writes. Writes run in their own
     * write transaction, committed before they return.
     */
    private static final class ReadTxn {
        private final Env<ByteBuffer> env;
        private Txn<ByteBuffer> read;
        private boolean stale;

        ReadTxn(Env<ByteBuffer> env) {
            this.env = env;
        }

        Txn<ByteBuffer> current() {
            if (read == null) {
                read = env.txnRead();
            } else if (stale) {
                read.reset();
                read.renew();
            }
            stale = false;
            return read;
        }

        void write(java.util.function.Consumer<Txn<ByteBuffer>> change) {
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                change.accept(txn);
                txn.commit();
            }
            stale = true;
        }

        void close() {
            if (read != null) {
                read.close();
            }
        }
    }

    /** One write transaction per 100 000 puts. */
    @Override
    public void bulkLoad(int from, int to) {
        ByteBuffer key = ByteBuffer.allocateDirect(shape.keyBytes());
        ByteBuffer value = ByteBuffer.allocateDirect(shape.valueBytes());
        byte[] keyBytes = new byte[shape.keyBytes()];
        byte[] valueBytes = new byte[shape.valueBytes()];
        int n = from;
        while (n < to) {
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                for (int end = Math.min(to, n + 100_000); n < end; n++) {
                    long k = Keys.key(n);
                    if (shape.isLongs()) {
                        key.putLong(0, k);
                        value.putLong(0, Keys.valueOf(k));
                    } else {
                        Keys.keyBytes(k, keyBytes);
                        Keys.valueBytes(Keys.valueOf(k), valueBytes);
                        key.clear();
                        key.put(keyBytes).flip();
                        value.clear();
                        value.put(valueBytes).flip();
                    }
                    dbi.put(txn, key, value);
                }
                txn.commit();
            }
        }
        env.sync(true);
    }

    @Override
    public long size() {
        try (Txn<ByteBuffer> txn = env.txnRead()) {
            return dbi.stat(txn).entries;
        }
    }

    @Override
    public Scan scan() {
        long count = 0;
        long sum = 0;
        try (Txn<ByteBuffer> txn = env.txnRead(); CursorIterable<ByteBuffer> it = dbi.iterate(txn)) {
            for (CursorIterable.KeyVal<ByteBuffer> kv : it) {
                count++;
                sum += kv.key().getLong(0);
            }
        }
        return new Scan(count, sum);
    }

    /**
     * LMDB does not compact in place; its documented way is a copy with compaction
     * ({@code mdb_env_copy2} with {@code MDB_CP_COMPACT}, which omits free pages). The copy goes to
     * {@code dir/compacted}, and that is where the compacted store is.
     */
    @Override
    public Path compactAndClose(Path dir) throws Exception {
        Path copy = Files.createDirectories(dir.resolve("compacted"));
        env.copy(copy.toFile(), CopyFlags.MDB_CP_COMPACT);
        close();
        return copy;
    }

    @Override
    public void close() {
        dbi.close();
        env.close();
    }
}
