package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

import java.nio.file.Path;
import java.util.Map;

/**
 * MapDB 3.1 {@code HTreeMap<Long, Long>} in a memory-mapped file store. Without the write-ahead log
 * a put changes the mapped file in place (no crash protection: a crash can leave the store
 * unreadable). With {@code transactionEnable} every put and delete is followed by {@code commit()},
 * which is when MapDB's log makes the change durable; a bulk load commits once at its end.
 */
final class MapDbKv implements KvStore {
    static final String FILE = "map.db";
    private static final long MIB = 1L << 20;

    private final DB db;
    private final HTreeMap<Long, Long> map;
    private final boolean commitEachWrite;

    private MapDbKv(DB db, HTreeMap<Long, Long> map, boolean commitEachWrite) {
        this.db = db;
        this.map = map;
        this.commitEachWrite = commitEachWrite;
    }

    /** The settings, as the report prints them. */
    static String settings(boolean transactions) {
        return "DBMaker.fileDB(file).fileMmapEnable().fileMmapPreclearDisable().cleanerHackEnable()"
                + ".allocateStartSize(64 MiB).allocateIncrement(64 MiB)"
                + (transactions ? ".transactionEnable()" : "")
                + "; hashMap(Serializer.LONG, Serializer.LONG).counterEnable() (default 8 segments)"
                + (transactions ? "; commit() after every put and delete (bulk load: one commit)" : "; no commit (no log)");
    }

    static KvStore open(Path dir, int entries, boolean create, boolean transactions) {
        DBMaker.Maker maker = DBMaker.fileDB(dir.resolve(FILE).toFile())
                .fileMmapEnable()
                .fileMmapPreclearDisable()
                .cleanerHackEnable()
                .allocateStartSize(64 * MIB)
                .allocateIncrement(64 * MIB);
        if (transactions) {
            maker = maker.transactionEnable();
        }
        DB db = maker.make();
        DB.HashMapMaker<Long, Long> hm = db.hashMap("bench", Serializer.LONG, Serializer.LONG).counterEnable();
        HTreeMap<Long, Long> map = create ? hm.create() : hm.open();
        return new MapDbKv(db, map, transactions);
    }

    @Override
    public Session session() {
        HTreeMap<Long, Long> m = map;
        DB d = db;
        boolean commit = commitEachWrite;
        return new Session() {
            @Override
            public long get(long key, long missing) {
                Long v = m.get(key);
                return v == null ? missing : v;
            }

            @Override
            public void put(long key, long value) {
                m.put(key, value);
                if (commit) {
                    d.commit();
                }
            }

            @Override
            public void delete(long key) {
                m.remove(key);
                if (commit) {
                    d.commit();
                }
            }
        };
    }

    @Override
    public void bulkLoad(int from, int to) {
        for (int n = from; n < to; n++) {
            long k = Keys.key(n);
            map.put(k, Keys.valueOf(k));
        }
        if (commitEachWrite) {
            db.commit();
        }
    }

    @Override
    public long size() {
        return map.sizeLong();
    }

    @Override
    public Scan scan() {
        long count = 0;
        long sum = 0;
        for (Map.Entry<Long, Long> e : map.entrySet()) {
            count++;
            sum += e.getKey();
        }
        return new Scan(count, sum);
    }

    @Override
    public void close() {
        db.close();
    }
}
