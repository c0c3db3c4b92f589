package io.bucketdb.bench.streams;

import io.bucketdb.streams.BucketDBStores;
import io.bucketdb.streams.SingleNodeKafka;
import org.apache.kafka.common.serialization.BytesSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * What Kafka's ordered calls cost on BucketDB's state store against Kafka's RocksDB store
 * ({@code Stores.persistentKeyValueStore(name).get()}), the bare {@code KeyValueStore<Bytes, byte[]>} of each
 * (no metering, caching or changelog layers), in one JVM on the same data. A hash index has no order, so on
 * BucketDB every {@code all}, {@code range} and {@code prefixScan} walks the whole index and sorts the keys it
 * keeps; RocksDB seeks. For each size: {@code entries} random distinct 10-byte keys with 8-byte values, loaded
 * into both stores in batches of 10,000 ({@code putAll}) and flushed; then per call, the median of
 * {@code calls} timed calls after {@code warmup} untimed ones, the two stores alternating call by call:
 * <ul>
 *   <li>{@code all()} iterated to the end (every key and value);</li>
 *   <li>{@code range(from, to)} over 1% of the keys (from and to are present keys, 1% apart in key order);</li>
 *   <li>{@code prefixScan} with a one-byte prefix (about 1/256 of the keys);</li>
 *   <li>{@code get} of present random keys, for reference: one call is {@code gets} gets, reported per get.</li>
 * </ul>
 * Every call's count of keys is checked against what the data holds, and the first warm-up call's order (unsigned
 * lexicographic). Prints the medians and the ratios BucketDB / RocksDB. Deletes the directories it creates.
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java --enable-native-access=ALL-UNNAMED -Xmx2g -cp 'bench/target/benchmarks.jar:bench/target/lib/*' \
 *      io.bucketdb.bench.streams.StreamsOrderedCalls [entries=100000,1000000] [calls=5] [warmup=2] [gets=100000]
 * </pre>
 */
public final class StreamsOrderedCalls {
    private static final int KEY_BYTES = 10;
    private static final int BATCH = 10_000;
    private static final byte PREFIX = 0x5A;

    private StreamsOrderedCalls() {
    }

    /** One kind of call: {@code run} calls it once and returns how many keys (or present values) it saw. */
    private record Call(String name, String unit, int perCall, long expected, Run run) {
    }

    @FunctionalInterface
    private interface Run {
        long apply(KeyValueStore<Bytes, byte[]> store, boolean check);
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = Arrays.stream(arg(args, "entries", "100000,1000000").split(",")).mapToInt(Integer::parseInt).toArray();
        int calls = Integer.parseInt(arg(args, "calls", "5"));
        int warmup = Integer.parseInt(arg(args, "warmup", "2"));
        int gets = Integer.parseInt(arg(args, "gets", "100000"));
        if (warmup < 1 || calls < 1) {
            throw new IllegalArgumentException("calls and warmup must be at least 1 (the first warm-up call checks the order)");
        }
        Path work = Files.createTempDirectory("bucketdb-streams-ordered");
        try {
            System.out.printf("Ordered calls on the bare stores: median of %d calls after %d warm-up calls, stores alternating%n",
                    calls, warmup);
            System.out.printf("%10s %-32s %14s %14s %8s%n", "entries", "call", "bucketdb", "rocksdb", "ratio");
            for (int n : sizes) {
                measure(work.resolve("n" + n), n, calls, warmup, gets);
            }
        } finally {
            SingleNodeKafka.deleteRecursively(work);
        }
    }

    private static String arg(String[] args, String name, String dflt) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return dflt;
    }

    private static void measure(Path dir, int n, int calls, int warmup, int gets) throws Exception {
        byte[][] keys = keys(n, new Random(42));
        byte[][] sorted = keys.clone();
        Arrays.sort(sorted, Arrays::compareUnsigned);
        for (int i = 1; i < n; i++) {
            if (Arrays.equals(sorted[i - 1], sorted[i])) {
                throw new IllegalStateException("duplicate random key; use another seed");
            }
        }
        int inRange = Math.max(1, n / 100);
        Bytes from = Bytes.wrap(sorted[n / 2]);
        Bytes to = Bytes.wrap(sorted[n / 2 + inRange - 1]);
        long withPrefix = Arrays.stream(keys).filter(k -> k[0] == PREFIX).count();
        Bytes prefix = Bytes.wrap(new byte[] {PREFIX});
        BytesSerializer prefixSerializer = new BytesSerializer();
        Bytes[] probes = new Bytes[gets];
        Random rnd = new Random(7);
        for (int i = 0; i < gets; i++) {
            probes[i] = Bytes.wrap(keys[rnd.nextInt(n)]);
        }
        List<Call> callKinds = List.of(
                new Call("all()", "ms", 1, n, (s, check) -> drain(s.all(), check)),
                new Call("range(1%)", "ms", 1, inRange, (s, check) -> drain(s.range(from, to), check)),
                new Call("prefixScan(1 byte)", "ms", 1, withPrefix, (s, check) -> drain(s.prefixScan(prefix, prefixSerializer), check)),
                new Call("get", "us", gets, gets, (s, check) -> {
                    long found = 0;
                    for (Bytes k : probes) {
                        if (s.get(k) != null) {
                            found++;
                        }
                    }
                    return found;
                }));

        KeyValueStore<Bytes, byte[]> bucketdb = BucketDBStores.keyValueStore("ordered").get();
        KeyValueStore<Bytes, byte[]> rocksdb = Stores.persistentKeyValueStore("ordered").get();
        bucketdb.init(new BareStoreContext(dir.resolve("bucketdb")), bucketdb);
        try {
            rocksdb.init(new BareStoreContext(dir.resolve("rocksdb")), rocksdb);
            try {
                load(bucketdb, keys);
                load(rocksdb, keys);
                for (Call c : callKinds) {
                    double[] b = new double[calls];
                    double[] r = new double[calls];
                    for (int round = 0; round < warmup + calls; round++) {
                        boolean check = round == 0; // a warm-up call: the check is not timed
                        // Alternate which store goes first, so neither always runs on the other's leftovers.
                        double tb;
                        double tr;
                        if (round % 2 == 0) {
                            tb = time(c, bucketdb, "bucketdb", check);
                            tr = time(c, rocksdb, "rocksdb", check);
                        } else {
                            tr = time(c, rocksdb, "rocksdb", check);
                            tb = time(c, bucketdb, "bucketdb", check);
                        }
                        if (round >= warmup) {
                            b[round - warmup] = tb;
                            r[round - warmup] = tr;
                        }
                    }
                    double mb = median(b);
                    double mr = median(r);
                    String label = String.format("%s: %,d %s", c.name(), c.expected(), c.perCall() > 1 ? "gets" : "keys");
                    System.out.printf("%,10d %-32s %11.3f %s %11.3f %s %8.2f%n", n, label, mb, c.unit(), mr, c.unit(), mb / mr);
                }
            } finally {
                rocksdb.close();
            }
        } finally {
            bucketdb.close();
            SingleNodeKafka.deleteRecursively(dir);
        }
    }

    /** {@code n} random 10-byte keys from {@code rnd}. */
    private static byte[][] keys(int n, Random rnd) {
        byte[][] keys = new byte[n][];
        for (int i = 0; i < n; i++) {
            keys[i] = new byte[KEY_BYTES];
            rnd.nextBytes(keys[i]);
        }
        return keys;
    }

    private static void load(KeyValueStore<Bytes, byte[]> store, byte[][] keys) {
        List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < keys.length; i++) {
            batch.add(KeyValue.pair(Bytes.wrap(keys[i]), ByteBuffer.allocate(Long.BYTES).putLong(i).array()));
            if (batch.size() == BATCH || i == keys.length - 1) {
                store.putAll(batch);
                batch.clear();
            }
        }
        store.flush();
    }

    /** Runs one call; returns its time in the call's unit per operation. */
    private static double time(Call c, KeyValueStore<Bytes, byte[]> store, String name, boolean check) {
        long t0 = System.nanoTime();
        long seen = c.run().apply(store, check);
        long nanos = System.nanoTime() - t0;
        if (seen != c.expected()) {
            throw new IllegalStateException(name + " " + c.name() + ": " + seen + " keys, expected " + c.expected());
        }
        return nanos / (c.unit().equals("ms") ? 1e6 : 1e3) / c.perCall();
    }

    /**
     * Iterates to the end, reading every value; returns the number of entries. With {@code check} (warm-up calls
     * only), also that the keys come in unsigned lexicographic order.
     */
    private static long drain(KeyValueIterator<Bytes, byte[]> it, boolean check) {
        long n = 0;
        long sink = 0;
        byte[] last = null;
        try (it) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                sink += kv.value.length;
                n++;
                if (check) {
                    byte[] k = kv.key.get();
                    if (last != null && Arrays.compareUnsigned(last, k) >= 0) {
                        throw new IllegalStateException("keys out of order at entry " + n);
                    }
                    last = k;
                }
            }
        }
        if (sink != n * Long.BYTES) {
            throw new IllegalStateException("a value is not 8 bytes");
        }
        return n;
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
