package io.bucketdb.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * The benchmarks' keys: key number {@code n} is {@code mix(n * GAMMA + SEED)}, where {@code mix}
 * is the SplitMix64 finalizer (Stafford's variant 13). Both steps are bijections on 64-bit
 * integers (an odd multiplier, xor-shifts and odd multipliers), so distinct numbers give distinct
 * keys. The index is loaded with keys {@code 0 .. entries-1}; keys numbered {@code entries} and
 * above are therefore guaranteed absent, which is how miss and insert keys are made disjoint from
 * the loaded ones without a set to check against.
 */
public final class Keys {
    /** Probe arrays are this long: a power of two, so a cursor is masked instead of taken modulo. */
    public static final int PROBES = 1 << 20;
    public static final int PROBE_MASK = PROBES - 1;
    /** What {@code get} returns for an absent key. Loaded values are {@link #valueOf}, never this in practice. */
    public static final long MISSING = Long.MIN_VALUE;

    private static final long SEED = 0x2545F4914F6CDD1DL;
    private static final long GAMMA = 0x9E3779B97F4A7C15L;
    private static final long SAMPLE_SEED = 20_251_121L;

    private Keys() {
    }

    /** Key number {@code n}. */
    public static long key(long n) {
        long z = n * GAMMA + SEED;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The value loaded for {@code key}: derived from it, so a lookup can be checked without a second table. */
    public static long valueOf(long key) {
        return ~key;
    }

    // ---------------------------------------------------------------- byte shapes (16-byte keys, 100-byte values, ...)
    //
    // A byte key is the long key followed by filler derived from it; a byte value is the long value at both
    // ends with filler between. Distinct long keys give distinct byte keys (the first 8 bytes differ), and a
    // lookup is checked by reading the value's long back from both ends. Big-endian, as ByteBuffer reads.

    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** Writes the byte form of {@code key} into {@code out} (at least 8 bytes; all of it is written). */
    public static void keyBytes(long key, byte[] out) {
        fill(key, Long.reverse(key) * GAMMA, out);
    }

    /** Writes the byte form of {@code value} into {@code out} (8 bytes, or at least 16): the value at both ends. */
    public static void valueBytes(long value, byte[] out) {
        fill(value, value * GAMMA, out);
        LONG_BE.set(out, out.length - 8, value);
    }

    /** A new array holding the byte form of {@code key}. */
    public static byte[] keyBytes(long key, int width) {
        byte[] out = new byte[width];
        keyBytes(key, out);
        return out;
    }

    /** A new array holding the byte form of {@code value}. */
    public static byte[] valueBytes(long value, int width) {
        byte[] out = new byte[width];
        valueBytes(value, out);
        return out;
    }

    /** The long a byte key or value was made from (its first 8 bytes). */
    public static long longOf(byte[] b) {
        return (long) LONG_BE.get(b, 0);
    }

    /**
     * The long a byte value was made from, or {@code MISSING} when its two ends disagree (a torn or
     * foreign value must not pass a check).
     */
    public static long valueLongOf(byte[] value) {
        long head = (long) LONG_BE.get(value, 0);
        return head == (long) LONG_BE.get(value, value.length - 8) ? head : MISSING;
    }

    private static void fill(long head, long filler, byte[] out) {
        LONG_BE.set(out, 0, head);
        int i = 8;
        for (; i + 8 <= out.length; i += 8) {
            LONG_BE.set(out, i, filler);
        }
        for (int shift = 56; i < out.length; i++, shift -= 8) {
            out[i] = (byte) (filler >>> shift);
        }
    }

    /** Keys numbered {@code from .. from+count-1}. */
    public static long[] numbered(long from, int count) {
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = key(from + i);
        }
        return out;
    }

    /** {@link #PROBES} keys drawn uniformly (with a fixed seed) from the loaded keys {@code 0 .. entries-1}. */
    public static long[] sampleLoaded(int entries) {
        SplittableRandom random = new SplittableRandom(SAMPLE_SEED);
        long[] out = new long[PROBES];
        for (int i = 0; i < PROBES; i++) {
            out[i] = key(random.nextInt(entries));
        }
        return out;
    }

    /** Puts keys {@code 0 .. entries-1} with their {@link #valueOf values} and checks the size. */
    static void load(LongStore store, int entries) {
        store.bulkLoad(0, entries);
        requireSize(store, entries, "after loading");
    }

    /** Fails unless every hit key holds its loaded value and every miss key is absent. */
    static void checkLookups(LongStore store, long[] hits, long[] misses) {
        for (long k : hits) {
            long v = store.get(k, MISSING);
            if (v != valueOf(k)) {
                throw new IllegalStateException(store.name() + ": get(" + k + ") returned " + v + ", expected " + valueOf(k));
            }
        }
        for (long k : misses) {
            long v = store.get(k, MISSING);
            if (v != MISSING) {
                throw new IllegalStateException(store.name() + ": get(" + k + ") of an absent key returned " + v);
            }
        }
    }

    static void requireSize(LongStore store, long expected, String when) {
        long size = store.size();
        if (size != expected) {
            throw new IllegalStateException(store.name() + " holds " + size + " entries " + when + ", expected " + expected);
        }
    }
}
