package io.bucketdb.storage;

import java.util.Arrays;

/** A set of 4 KiB page numbers with its size: a bitset that grows as pages are added. Not thread-safe. */
public final class PageSet {
    private long[] bits = new long[16];
    private long count;

    /** An empty set. */
    public PageSet() {
    }

    /**
     * Adds {@code page}.
     *
     * @param page a page number (offset / 4096)
     * @return true if it was not in the set
     */
    boolean add(long page) {
        int word = (int) (page >>> 6);
        if (word >= bits.length) {
            grow(word);
        }
        long bit = 1L << page;
        if ((bits[word] & bit) != 0) {
            return false;
        }
        bits[word] |= bit;
        count++;
        return true;
    }

    /**
     * Makes room for the pages below {@code endPage} now, so {@link #add} does not grow the set for them. Why: the
     * writer's put inlines {@link #add}, and a growth that compiled code had never seen trapped it (unstable_if),
     * sending a replay back to C1 while C2 recompiled the put (issue 16).
     *
     * @param endPage the page number after the last one to make room for
     */
    void reserve(long endPage) {
        int words = (int) ((endPage + 63) >>> 6);
        if (words > bits.length) {
            grow(words - 1);
        }
    }

    private void grow(int word) {
        bits = Arrays.copyOf(bits, Math.max(word + 1, bits.length * 2));
    }

    /**
     * Removes {@code page}.
     *
     * @param page a page number (offset / 4096)
     */
    void remove(long page) {
        int word = (int) (page >>> 6);
        long bit = 1L << page;
        if (word < bits.length && (bits[word] & bit) != 0) {
            bits[word] &= ~bit;
            count--;
        }
    }

    /**
     * Whether {@code page} is in the set.
     *
     * @param page a page number (offset / 4096)
     * @return whether it is in the set
     */
    public boolean contains(long page) {
        int word = (int) (page >>> 6);
        return word < bits.length && (bits[word] & (1L << page)) != 0;
    }

    /** {@return the number of pages in the set} */
    public long count() {
        return count;
    }

    /** {@return the page numbers in ascending order, in a fresh array} */
    public long[] pages() {
        long[] out = new long[(int) count];
        int n = 0;
        for (int w = 0; w < bits.length; w++) {
            long word = bits[w];
            while (word != 0) {
                out[n++] = ((long) w << 6) + Long.numberOfTrailingZeros(word);
                word &= word - 1;
            }
        }
        return out;
    }

    /** Removes every page. */
    void clear() {
        Arrays.fill(bits, 0);
        count = 0;
    }
}
