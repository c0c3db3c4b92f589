package io.bucketdb.table;

import io.bucketdb.storage.ChunkedMapping;
import io.bucketdb.storage.ExtentClasses;

/**
 * The read-ahead of the buckets a growth writes into (issue 16): off ({@code MADV_RANDOM}) from the growth's start,
 * on again ({@code MADV_NORMAL}) at its end. An in-place split's upper half (or a copying growth's new array) is
 * written for the first time by the splits, bucket after bucket, and with the default advice the first touch of each
 * 8 MiB of it read {@code read_ahead_kb} (8 MiB on the benchmark VM) of zeros in the put that faulted: splits of
 * 1-15 ms every 57,344 buckets of a 10M load (docs/BENCHMARKS.md, "tail3"). Off only while the growth writes there:
 * the whole table advised {@code MADV_RANDOM} slowed gets whose pages a checkpoint had released (ibid., "tail2").
 *
 * <p>Advice is a hint: it changes no byte and nothing the journal or replay sees, and replay's growths advise the same
 * ranges, so crash states and determinism are as without it. A refused hint is ignored. A table opened in the middle of
 * a growth advises the growth's new pieces at its open ({@link HashTable#open}), as the growth's start did.
 */
final class GrowthReadAhead {
    private GrowthReadAhead() {
    }

    /** The growth {@code g} (just started) will write its new pieces: no read-ahead there. */
    static void begin(ChunkedMapping mapping, ArraySnapshot g) {
        advise(mapping, g, false);
    }

    /** The growth {@code g} has ended: its new pieces hold buckets now, whose re-faults may read ahead again. */
    static void end(ChunkedMapping mapping, ArraySnapshot g) {
        advise(mapping, g, true);
    }

    /**
     * Advises the span from the lowest new piece to the end of the highest, one call per chunk: pieces are not
     * contiguous (a piece does not straddle an alignment unit, the value heap fills the gaps), and a call per piece
     * allocated on the writer and split the kernel's mapping once per piece. Whatever else the span holds is advised
     * too, for the growth only; {@code MADV_NORMAL} at its end is the advice every other page of the table has.
     */
    private static void advise(ChunkedMapping mapping, ArraySnapshot g, boolean readAhead) {
        long[] pieces = g.pieces;
        int first = g.inPlace ? g.oldPieces.length : 0;
        if (first >= pieces.length) {
            return;
        }
        long low = Long.MAX_VALUE;
        long high = 0;
        for (int p = first; p < pieces.length; p++) {
            low = Math.min(low, pieces[p]);
            high = Math.max(high, pieces[p]);
        }
        long pieceBytes = ExtentClasses.bytes(ExtentClasses.pieceClass(Math.min(g.b, g.pieceShift)), g.bucketSize);
        mapping.adviseReadAhead(low, high + pieceBytes - low, readAhead);
    }
}
