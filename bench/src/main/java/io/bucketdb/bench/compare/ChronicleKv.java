package io.bucketdb.bench.compare;

import net.openhft.chronicle.map.ChronicleMap;

import java.nio.file.Path;

/**
 * Chronicle Map {@code <Long, Long>} persisted to a file (a shared memory mapping: a put survives the
 * process dying, and nothing forces it to the device). Chronicle Map must be sized up front:
 * {@code entries(N)}. {@code putReturnsNull} and {@code removeReturnsNull} spare it from reading the
 * old value back, as its documentation suggests when the caller does not need it.
 */
final class ChronicleKv implements KvStore {
    static final String FILE = "map.cm3";

    private final ChronicleMap<Long, Long> map;

    private ChronicleKv(ChronicleMap<Long, Long> map) {
        this.map = map;
    }

    static String settings() {
        return "ChronicleMap.of(Long.class, Long.class).entries(N).putReturnsNull(true).removeReturnsNull(true)"
                + ".createPersistedTo(file); get(key) (boxed Long)";
    }

    static KvStore open(Path dir, int entries, boolean create) throws Exception {
        ChronicleMap<Long, Long> map = ChronicleMap.of(Long.class, Long.class)
                .name("bench")
                .entries(entries)
                .putReturnsNull(true)
                .removeReturnsNull(true)
                .createPersistedTo(dir.resolve(FILE).toFile());
        return new ChronicleKv(map);
    }

    @Override
    public Session session() {
        ChronicleMap<Long, Long> m = map;
        return new Session() {
            @Override
            public long get(long key, long missing) {
                Long v = m.get(key);
                return v == null ? missing : v;
            }

            @Override
            public void put(long key, long value) {
                m.put(key, value);
            }

            @Override
            public void delete(long key) {
                m.remove(key);
            }
        };
    }

    @Override
    public long size() {
        return map.longSize();
    }

    @Override
    public Scan scan() {
        long[] acc = new long[2];
        map.forEachEntry(e -> {
            acc[0]++;
            acc[1] += e.key().get();
        });
        return new Scan(acc[0], acc[1]);
    }

    @Override
    public void close() {
        map.close();
    }
}
