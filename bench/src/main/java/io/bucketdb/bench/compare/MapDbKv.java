package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

import java.nio.file.Path;

/**
 * MapDB 3.1 {@code HTreeMap} in a memory-mapped file store: {@code <Long, Long>} with
 * {@code Serializer.LONG} in 8/8, {@code <byte[], byte[]>} with {@code Serializer.BYTE_ARRAY} in the
 * byte shapes. Without the write-ahead log a put changes the mapped file in place (no crash
 * protection: a crash can leave the store unreadable). With {@code transactionEnable} every put and
 * delete is followed by {@code commit()}, which is when MapDB's log makes the change durable; a bulk
 * load commits once at its end.
 */
final class MapDbKv implements KvStore {
    static final String FILE = "map.db";
    private static final long MIB = 1L << 20;

    private final DB db;
    /** The map in 8/8, else null. */
    private final HTreeMap<Long, Long> longs;
    /** The map in a byte shape, else null. */
    private final HTreeMap<byte[], byte[]> bytes;
    private final Shape shape;
    private final boolean commitEachWrite;

    private MapDbKv(DB db, HTreeMap<Long, Long> longs, HTreeMap<byte[], byte[]> bytes, Shape shape, boolean commitEachWrite) {
        this.db = db;
        this.longs = longs;
        this.bytes = bytes;
        this.shape = shape;
        this.commitEachWrite = commitEachWrite;
    }

    /** The settings, as the report prints them. */
    static String settings(boolean transactions) {
        return "DBMaker.fileDB(file).fileMmapEnable().fileMmapPreclearDisable().cleanerHackEnable()"
                + ".allocateStartSize(64 MiB).allocateIncrement(64 MiB)"
                + (transactions ? ".transactionEnable()" : "")
                + "; hashMap(Serializer.LONG, Serializer.LONG) in 8x8, hashMap(Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY) "
                + "in byte shapes; counterEnable() (default 8 segments)"
                + (transactions ? "; commit() after every put and delete (bulk load: one commit)" : "; no commit (no log)");
    }

    static KvStore open(StoreSpec.Open how, boolean transactions) {
        DBMaker.Maker maker = DBMaker.fileDB(how.dir().resolve(FILE).toFile())
                .fileMmapEnable()
                .fileMmapPreclearDisable()
                .cleanerHackEnable()
                .allocateStartSize(64 * MIB)
                .allocateIncrement(64 * MIB);
        if (transactions) {
            maker = maker.transactionEnable();
        }
        DB db = maker.make();
        if (how.shape().isLongs()) {
            DB.HashMapMaker<Long, Long> hm = db.hashMap("bench", Serializer.LONG, Serializer.LONG).counterEnable();
            return new MapDbKv(db, how.create() ? hm.create() : hm.open(), null, how.shape(), transactions);
        }
        DB.HashMapMaker<byte[], byte[]> hm = db.hashMap("bench", Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY).counterEnable();
        return new MapDbKv(db, null, how.create() ? hm.create() : hm.open(), how.shape(), transactions);
    }

    @Override
    public Shape shape() {
        return shape;
    }

    @Override
    public Session session() {
        if (longs == null) {
            throw new IllegalStateException("opened for " + shape + ": use bytesSession()");
        }
        HTreeMap<Long, Long> m = longs;
        return new Session() {
            @Override
            public long get(long key, long missing) {
                Long v = m.get(key);
                return v == null ? missing : v;
            }

            @Override
            public void put(long key, long value) {
                m.put(key, value);
                commit();
            }

            @Override
            public void delete(long key) {
                m.remove(key);
                commit();
            }
        };
    }

    /** The serializer copies arrays in and out, so the caller's arrays are free again when a call returns. */
    @Override
    public BytesSession bytesSession() {
        if (bytes == null) {
            throw new IllegalStateException("opened for 8x8: use session()");
        }
        HTreeMap<byte[], byte[]> m = bytes;
        return new CopyingBytesSession(m::get, (k, v) -> {
            m.put(k, v);
            commit();
        }, k -> {
            m.remove(k);
            commit();
        });
    }

    private void commit() {
        if (commitEachWrite) {
            db.commit();
        }
    }

    @Override
    public void bulkLoad(int from, int to) {
        for (int n = from; n < to; n++) {
            long k = Keys.key(n);
            if (longs != null) {
                longs.put(k, Keys.valueOf(k));
            } else {
                bytes.put(Keys.keyBytes(k, shape.keyBytes()), Keys.valueBytes(Keys.valueOf(k), shape.valueBytes()));
            }
        }
        if (commitEachWrite) {
            db.commit();
        }
    }

    @Override
    public long size() {
        return longs != null ? longs.sizeLong() : bytes.sizeLong();
    }

    @Override
    public Scan scan() {
        long count = 0;
        long sum = 0;
        if (longs != null) {
            for (Long k : longs.keySet()) {
                count++;
                sum += k;
            }
        } else {
            for (byte[] k : bytes.keySet()) {
                count++;
                sum += Keys.longOf(k);
            }
        }
        return new Scan(count, sum);
    }

    /** {@code db.getStore().compact()}: MapDB's store compaction, on the open store. */
    @Override
    public Path compactAndClose(Path dir) {
        commit();
        db.getStore().compact();
        db.close();
        return dir;
    }

    @Override
    public void close() {
        db.close();
    }
}
