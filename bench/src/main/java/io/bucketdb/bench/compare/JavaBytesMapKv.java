package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;

import java.util.Arrays;
import java.util.Map;

/**
 * {@code HashMap<Key, byte[]>} or {@code ConcurrentHashMap<Key, byte[]>} for the byte shapes, with
 * default capacity, so a load from empty includes their resizes. {@link Key} wraps a copy of the key
 * array with its hash; a put copies key and value (the caller reuses its arrays), a get or delete
 * looks up through one reused probe key per session, as a caller that cares about allocation would.
 */
final class JavaBytesMapKv implements KvStore {
    private final Map<Key, byte[]> map;
    private final Shape shape;

    JavaBytesMapKv(Map<Key, byte[]> map, Shape shape) {
        this.map = map;
        this.shape = shape;
    }

    @Override
    public Shape shape() {
        return shape;
    }

    @Override
    public Session session() {
        throw new IllegalStateException("opened for " + shape + ": use bytesSession()");
    }

    @Override
    public BytesSession bytesSession() {
        Map<Key, byte[]> m = map;
        Key probe = new Key();
        return new CopyingBytesSession(k -> m.get(probe.of(k)), (k, v) -> m.put(new Key().of(k.clone()), v.clone()),
                k -> m.remove(probe.of(k)));
    }

    @Override
    public long size() {
        return map.size();
    }

    @Override
    public Scan scan() {
        long count = 0;
        long sum = 0;
        for (Key k : map.keySet()) {
            count++;
            sum += Keys.longOf(k.bytes);
        }
        return new Scan(count, sum);
    }

    @Override
    public void close() {
    }

    /**
     * A byte-array key with content equality. A stored key owns its array; the probe key of a session
     * is repointed at the caller's array before each lookup and never stored.
     */
    static final class Key {
        private byte[] bytes;
        private int hash;

        Key of(byte[] b) {
            bytes = b;
            hash = Arrays.hashCode(b);
            return this;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
        }
    }
}
