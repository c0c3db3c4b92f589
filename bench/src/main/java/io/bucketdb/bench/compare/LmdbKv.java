package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * LMDB through lmdbjava with direct {@code ByteBuffer}s. Each put or delete is its own write
 * transaction (committed before it returns; LMDB admits one writer at a time). Reads use one read
 * transaction per thread, kept open and only renewed (reset + renew, which LMDB documents as the
 * cheap way to reuse it) after that thread has written, so it sees its own writes.
 * Without {@code sync}, the environment is opened with {@code MDB_NOSYNC}: a commit hands its pages
 * to the OS and does not force them.
 */
final class LmdbKv implements KvStore {
    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> dbi;

    private LmdbKv(Env<ByteBuffer> env, Dbi<ByteBuffer> dbi) {
        this.env = env;
        this.dbi = dbi;
    }

    static long mapSize(int entries) {
        return Math.max(256L << 20, entries * 512L);
    }

    static String settings(boolean sync) {
        return "Env.create().setMapSize(max(256 MiB, 512 B x N)).setMaxDbs(1).setMaxReaders(256).open(dir"
                + (sync ? "" : ", MDB_NOSYNC") + "); one write txn per put/delete; reused read txn per thread "
                + "(reset/renew after the thread wrote); direct ByteBuffers (lmdbjava's default buffer proxy)";
    }

    static KvStore open(Path dir, int entries, boolean create, boolean sync) {
        Env<ByteBuffer> env = sync
                ? Env.create().setMapSize(mapSize(entries)).setMaxDbs(1).setMaxReaders(256).open(dir.toFile())
                : Env.create().setMapSize(mapSize(entries)).setMaxDbs(1).setMaxReaders(256).open(dir.toFile(), EnvFlags.MDB_NOSYNC);
        Dbi<ByteBuffer> dbi = create ? env.openDbi("bench", DbiFlags.MDB_CREATE) : env.openDbi("bench");
        return new LmdbKv(env, dbi);
    }

    @Override
    public Session session() {
        Env<ByteBuffer> e = env;
        Dbi<ByteBuffer> d = dbi;
        ByteBuffer key = ByteBuffer.allocateDirect(8);
        ByteBuffer value = ByteBuffer.allocateDirect(8);
        return new Session() {
            private Txn<ByteBuffer> read;
            private boolean stale;

            @Override
            public long get(long k, long missing) {
                if (read == null) {
                    read = e.txnRead();
                } else if (stale) {
                    read.reset();
                    read.renew();
                }
                stale = false;
                key.putLong(0, k);
                ByteBuffer v = d.get(read, key);
                return v == null ? missing : v.getLong(0);
            }

            @Override
            public void put(long k, long v) {
                key.putLong(0, k);
                value.putLong(0, v);
                try (Txn<ByteBuffer> txn = e.txnWrite()) {
                    d.put(txn, key, value);
                    txn.commit();
                }
                stale = true;
            }

            @Override
            public void delete(long k) {
                key.putLong(0, k);
                try (Txn<ByteBuffer> txn = e.txnWrite()) {
                    d.delete(txn, key);
                    txn.commit();
                }
                stale = true;
            }

            @Override
            public void close() {
                if (read != null) {
                    read.close();
                }
            }
        };
    }

    /** One write transaction per 100 000 puts. */
    @Override
    public void bulkLoad(int from, int to) {
        ByteBuffer key = ByteBuffer.allocateDirect(8);
        ByteBuffer value = ByteBuffer.allocateDirect(8);
        int n = from;
        while (n < to) {
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                for (int end = Math.min(to, n + 100_000); n < end; n++) {
                    long k = Keys.key(n);
                    key.putLong(0, k);
                    value.putLong(0, Keys.valueOf(k));
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

    @Override
    public void close() {
        dbi.close();
        env.close();
    }
}
