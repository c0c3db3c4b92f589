package io.bucketdb.table;

import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.Layouts;
import io.bucketdb.storage.VerifiedPages;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Iterates a {@link HashTable} so that every key present for the whole iteration is returned
 * exactly once, however often the table grows meanwhile, starting at a random bucket.
 *
 * <p>Go's iterator walks buckets and leans on the garbage collector to keep an old array alive;
 * here a finished growth frees the old array, so the iterator walks <em>hash prefixes</em>
 * instead: with {@code bits} = B at the start, step {@code j} returns exactly the keys whose hash
 * has {@code j} in its low {@code bits} bits, read from wherever the current snapshot keeps them
 * (new buckets {@code j + k * 2^bits}, or their old bucket while it is not yet evacuated or, during an in-place
 * split, not yet split). Steps
 * are disjoint and a key's hash never changes, so no key is returned twice, and a key present
 * throughout is present at its step. Each step's buckets are read under their seqlock stamps,
 * so the iterator may run on any thread beside the writer.
 */
public final class TableIterator {
    private final HashTable t;
    private final int bits;
    private final long bitMask;
    private final long start;
    private long pos;
    private final int kw;
    private final int vw;
    private final boolean varKeys;
    private final boolean varValues;
    /** Variable-length keys and values of the current step, resolved (heap bytes copied) inside its stamp window. */
    private byte[][] varKeyBytes = new byte[8][];
    private byte[][] varValueBytes = new byte[8][];
    private byte[] keys = new byte[64];
    private byte[] values = new byte[64];
    private int n;
    private int cur = -1;

    TableIterator(HashTable t, long randomStart) {
        this.t = t;
        ArraySnapshot g = t.snapshot();
        this.bits = g.b;
        this.bitMask = (1L << bits) - 1;
        this.start = randomStart & bitMask;
        this.kw = t.keyWidth();
        this.vw = t.valueWidth();
        this.varKeys = t.varKeys();
        this.varValues = t.varValues();
    }

    /** Moves to the next entry; false when the iteration is over. */
    public boolean next() {
        while (++cur >= n) {
            if (pos > bitMask) {
                return false;
            }
            long j = (start + pos++) & bitMask;
            loadStep(j);
            cur = -1;
            if (n > 0) {
                cur = 0;
                return true;
            }
        }
        return true;
    }

    /** The current key's bytes (a copy). */
    public byte[] key() {
        if (varKeys) {
            return varKeyBytes[cur].clone();
        }
        return Arrays.copyOfRange(keys, cur * kw, (cur + 1) * kw);
    }

    /** The current value's bytes (a copy). */
    public byte[] value() {
        if (varValues) {
            return varValueBytes[cur].clone();
        }
        return Arrays.copyOfRange(values, cur * vw, (cur + 1) * vw);
    }

    /** The current key as a little-endian long (8-byte keys only). */
    public long keyLong() {
        return (long) LONG_LE.get(keys, cur * kw);
    }

    /** The current value as a little-endian long (8-byte values only). */
    public long valueLong() {
        return (long) LONG_LE.get(values, cur * vw);
    }

    private static final VarHandle LONG_LE = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private void loadStep(long j) {
        retry:
        while (true) {
            n = 0;
            ArraySnapshot g = t.snapshot();
            if (g.b >= bits) {
                long per = 1L << (g.b - bits);
                for (long k = 0; k < per; k++) {
                    if (!collect(g, j + (k << bits), j)) {
                        continue retry;
                    }
                }
            } else if (!collect(g, j & g.mask, j)) {
                continue;
            }
            return;
        }
    }

    /** Collects the entries of new bucket {@code nb} whose hash prefix is {@code j}; false if a writer interfered. */
    private boolean collect(ArraySnapshot g, long nb, long j) {
        int stripe = g.stripeOf(nb);
        long stamp = t.stamp(stripe);
        if ((stamp & 1) != 0) {
            Thread.onSpinWait();
            return false;
        }
        int mark = n;
        MemorySegment seg = g.bucketSeg(nb);
        long off = g.bucketLocal(nb);
        long at = g.bucketOffset(nb);
        boolean fromOld = false;
        VerifiedPages pages = t.pages();
        if (g.growing && g.inPlace) {
            // An old bucket not split yet holds the keys of both its siblings (read after the stamp, as the mark is).
            long i = nb & g.oldMask;
            if (i >= t.splitMark) {
                seg = g.bucketSeg(i);
                off = g.bucketLocal(i);
                at = g.bucketOffset(i);
                fromOld = true;
            }
        } else if (g.growing) {
            long i = nb & g.oldMask;
            MemorySegment oseg = g.oldBucketSeg(i);
            long ooff = g.oldBucketLocal(i);
            pages.check(g.oldBucketOffset(i), t.bucketSize());
            if (!BucketLayout.isEvacuated(oseg.get(Layouts.BYTE, ooff) & 0xFF)) {
                seg = oseg;
                off = ooff;
                at = g.oldBucketOffset(i);
                fromOld = true;
            }
        }
        pages.check(at, t.bucketSize());
        boolean filter = fromOld || g.b < bits;
        int keysOff = t.keysOffset();
        int valuesOff = t.valuesOffset();
        int ovfOff = t.overflowOffset();
        int bs = t.bucketSize();
        long hops = 0;
        boolean ok = true;
        while (true) {
            for (int s = 0; s < BucketLayout.SLOTS; s++) {
                int top = seg.get(Layouts.BYTE, off + s) & 0xFF;
                if (top < BucketLayout.MIN_TOPHASH) {
                    continue;
                }
                long koff = off + keysOff + (long) s * kw;
                if (filter) {
                    long hash;
                    try {
                        hash = t.hashStoredKey(g.chunks, seg, koff);
                    } catch (VarFields.HeapRefException torn) {
                        ok = false;
                        break;
                    }
                    if ((hash & g.mask) != nb || (hash & bitMask) != j) {
                        continue;
                    }
                }
                ensureRoom();
                long voff = off + valuesOff + (long) s * vw;
                if (varKeys) {
                    varKeyBytes[n] = field(g, seg, koff, t.keyInlineWidth());
                    ok = varKeyBytes[n] != null;
                } else {
                    MemorySegment.copy(seg, Layouts.BYTE, koff, keys, n * kw, kw);
                }
                if (varValues && ok) {
                    varValueBytes[n] = valueField(g, seg, voff);
                    ok = varValueBytes[n] != null;
                } else if (!varValues) {
                    MemorySegment.copy(seg, Layouts.BYTE, voff, values, n * vw, vw);
                }
                if (!ok) {
                    break;
                }
                n++;
            }
            long next = ok ? seg.get(Layouts.LONG, off + ovfOff) : 0;
            if (next == 0) {
                break;
            }
            int c = next < HeaderLayout.DATA_START ? g.chunks.length : g.mapping.chunkIndex(next);
            if (c < 0 || c >= g.chunks.length || ++hops > g.maxHops) {
                ok = false;
                break;
            }
            seg = g.chunks[c];
            off = next - g.mapping.chunkStart(c);
            if (off + bs > seg.byteSize()) {
                ok = false;
                break;
            }
            pages.check(next, bs);
        }
        if (!t.lock.validate(stripe, stamp) || t.snapshot() != g) {
            n = mark;
            return false;
        }
        if (!ok) {
            throw new java.io.UncheckedIOException(new io.bucketdb.spi.CorruptIndexException(t.file().path(), g.bucketOffset(nb),
                    "a valid overflow chain from new bucket " + nb));
        }
        return true;
    }

    /** {@link #field} for a value slot, which may also be a block-number slot (format version 8). */
    private byte[] valueField(ArraySnapshot g, MemorySegment seg, long off) {
        long len = t.fields.valueLength(seg, off);
        if (len > g.mapping.mappedEnd() || len > MAX_FIELD) {
            return null;
        }
        byte[] out = new byte[(int) len];
        return t.fields.copyValue(g.chunks, seg, off, len, MemorySegment.ofArray(out), 0) ? out : null;
    }

    /** The bytes of a variable-length field, or null if its length or heap reference is out of bounds (torn or damaged). */
    private byte[] field(ArraySnapshot g, MemorySegment seg, long off, int inline) {
        long len = VarFields.fieldLength(seg, off);
        // A torn read can show any length: allocate no more than the file and the largest value allow.
        if (len > g.mapping.mappedEnd() || len > MAX_FIELD) {
            return null;
        }
        byte[] out = new byte[(int) len];
        return t.fields.copyField(g.chunks, seg, off, inline, len, MemorySegment.ofArray(out), 0) ? out : null;
    }

    /** The longest key or value there is (a value of 256 MiB). */
    private static final long MAX_FIELD = 256L << 20;

    private void ensureRoom() {
        if (n + 1 > varKeyBytes.length) {
            varKeyBytes = Arrays.copyOf(varKeyBytes, varKeyBytes.length * 2);
            varValueBytes = Arrays.copyOf(varValueBytes, varValueBytes.length * 2);
        }
        if ((n + 1) * kw > keys.length) {
            keys = Arrays.copyOf(keys, Math.max(keys.length * 2, (n + 1) * kw));
        }
        if ((n + 1) * vw > values.length) {
            values = Arrays.copyOf(values, Math.max(values.length * 2, (n + 1) * vw));
        }
    }
}
