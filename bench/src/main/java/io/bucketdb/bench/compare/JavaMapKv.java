package io.bucketdb.bench.compare;

import java.util.Map;

/**
 * {@code HashMap<Long, Long>} or {@code ConcurrentHashMap<Long, Long>} with default capacity, so a
 * load from empty includes their resizes. Keys and values are boxed per call, as for a caller
 * holding primitive longs. Nothing is on disk.
 */
final class JavaMapKv implements KvStore {
    private final Map<Long, Long> map;

    JavaMapKv(Map<Long, Long> map) {
        this.map = map;
    }

    @Override
    public Shape shape() {
        return Shape.LONG_LONG;
    }

    @Override
    public BytesSession bytesSession() {
        throw new IllegalStateException("a map of Long holds 8x8 only: byte shapes use JavaBytesMapKv");
    }

    @Override
    public Session session() {
        Map<Long, Long> m = map;
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
        return map.size();
    }

    @Override
    public Scan scan() {
        long count = 0;
        long sum = 0;
        for (Long k : map.keySet()) {
            count++;
            sum += k;
        }
        return new Scan(count, sum);
    }

    @Override
    public void close() {
    }
}
