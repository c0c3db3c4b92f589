package io.bucketdb.bench.compare;

import io.bucketdb.bench.Keys;
import net.openhft.chronicle.map.ChronicleMap;

import java.nio.file.Path;

/**
 * Chronicle Map persisted to a file (a shared memory mapping: a put survives the process dying, and
 * nothing forces it to the device): {@code <Long, Long>} in 8/8, {@code <byte[], byte[]>} with
 * {@code averageKeySize}/{@code averageValueSize} set to the widths in the byte shapes. Chronicle Map
 * must be sized up front: {@code entries(N)}. {@code putReturnsNull} and {@code removeReturnsNull}
 * spare it from reading the old value back, as its documentation suggests when the caller does not
 * need it.
 */
final class ChronicleKv implements KvStore {
    static final String FILE = "map.cm3";

    /** The map in 8/8, else null. */
    private final ChronicleMap<Long, Long> longs;
    /** The map in a byte shape, else null. */
    private final ChronicleMap<byte[], byte[]> bytes;
    private final Shape shape;

    private ChronicleKv(ChronicleMap<Long, Long> longs, ChronicleMap<byte[], byte[]> bytes, Shape shape) {
        this.longs = longs;
        this.bytes = bytes;
        this.shape = shape;
    }

    static String settings() {
        return "ChronicleMap.of(Long.class, Long.class) in 8x8, ChronicleMap.of(byte[].class, byte[].class)"
                + ".averageKeySize(K).averageValueSize(V) in byte shapes; .entries(N).putReturnsNull(true).removeReturnsNull(true)"
                + ".createPersistedTo(file); get(key) (a boxed Long or a new byte[])";
    }

    static KvStore open(StoreSpec.Open how) throws Exception {
        if (how.shape().isLongs()) {
            ChronicleMap<Long, Long> map = ChronicleMap.of(Long.class, Long.class)
                    .name("bench")
                    .entries(how.entries())
                    .putReturnsNull(true)
                    .removeReturnsNull(true)
                    .createPersistedTo(how.dir().resolve(FILE).toFile());
            return new ChronicleKv(map, null, how.shape());
        }
        ChronicleMap<byte[], byte[]> map = ChronicleMap.of(byte[].class, byte[].class)
                .name("bench")
                .entries(how.entries())
                .averageKeySize(how.shape().keyBytes())
                .averageValueSize(how.shape().valueBytes())
                .putReturnsNull(true)
                .removeReturnsNull(true)
                .createPersistedTo(how.dir().resolve(FILE).toFile());
        return new ChronicleKv(null, map, how.shape());
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
        ChronicleMap<Long, Long> m = longs;
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
    public BytesSession bytesSession() {
        if (bytes == null) {
            throw new IllegalStateException("opened for 8x8: use session()");
        }
        ChronicleMap<byte[], byte[]> m = bytes;
        return new CopyingBytesSession(m::get, m::put, m::remove);
    }

    @Override
    public long size() {
        return longs != null ? longs.longSize() : bytes.longSize();
    }

    @Override
    public Scan scan() {
        long[] acc = new long[2];
        if (longs != null) {
            longs.forEachEntry(e -> {
                acc[0]++;
                acc[1] += e.key().get();
            });
        } else {
            bytes.forEachEntry(e -> {
                acc[0]++;
                acc[1] += Keys.longOf(e.key().get());
            });
        }
        return new Scan(acc[0], acc[1]);
    }

    @Override
    public void close() {
        if (longs != null) {
            longs.close();
        } else {
            bytes.close();
        }
    }
}
