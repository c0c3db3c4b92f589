package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.spi.CorruptIndexException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code verify}'s check of the replayed read-only view, beside the inspector's check of the checkpoint image:
 * the image can be sound while the replay of the journal after it made a table whose iteration and lookups
 * disagree. Every entry the iteration yields must be found by a lookup with the same value, and the iteration
 * must yield {@link BucketDB#size()} entries. Each problem is one line naming the view and what was expected.
 */
final class ViewCheck {
    /** Lines past this many are counted, not printed: one cause usually breaks many entries. */
    static final int MAX_LINES = 20;

    private ViewCheck() {
    }

    /**
     * The problems of {@code view}, one line each (at most {@link #MAX_LINES}, then one that counts the rest).
     *
     * @param view   a read-only view
     * @param where  how the lines name the view: the directory and the LSN it shows
     * @param listed whether the image check already listed this damage (the view reads the same pages): then the
     *               check stops there without a line of its own
     */
    static List<String> problems(BucketDB view, String where, Predicate<CorruptIndexException> listed) {
        Format f = Format.displayDefault(view.variableKeys() ? -1 : view.keyWidth(), view.variableValues() ? -1 : view.valueWidth());
        List<String> lines = new ArrayList<>();
        long bad = 0;
        long n = 0;
        try {
            Iterator<Map.Entry<byte[], byte[]>> it = view.iterator();
            while (it.hasNext()) {
                Map.Entry<byte[], byte[]> e = it.next();
                n++;
                byte[] found = view.get(e.getKey());
                if (!Arrays.equals(found, e.getValue())) {
                    if (++bad <= MAX_LINES) {
                        lines.add(where + ": expected the iteration's key " + f.text(e.getKey()) + " to be found by a lookup with value "
                                + f.text(e.getValue()) + ", found " + (found == null ? "no entry" : "value " + f.text(found)));
                    }
                }
            }
            long size = view.size();
            if (n != size) {
                lines.add(where + ": expected the iteration to yield size() = " + Text.count(size) + " entries, found "
                        + Text.count(n));
            }
        } catch (RuntimeException e) {
            CorruptIndexException c = corruption(e);
            if (c != null && listed.test(c)) {
                return lines;
            }
            lines.add(where + ": expected every entry to be readable, found an error after " + Text.count(n) + " entries: "
                    + (c != null ? c.getMessage() : e.toString()));
        }
        if (bad > MAX_LINES) {
            lines.add(where + ": " + Text.count(bad - MAX_LINES) + " more entries whose lookup disagrees with the iteration");
        }
        return lines;
    }

    /** The {@link CorruptIndexException} that {@code t} is or wraps, or null. */
    static CorruptIndexException corruption(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CorruptIndexException x) {
                return x;
            }
        }
        return null;
    }
}
