package io.bucketdb.bench.compare;

/**
 * Key and value widths of a run, in bytes. {@link #LONG_LONG} (8-byte keys, 8-byte values) runs on
 * the stores' {@code long} path; every other shape on their {@code byte[]} path (see {@link KvStore}).
 * Widths are fixed: every key of a run has {@code keyBytes}, every value {@code valueBytes}.
 */
record Shape(int keyBytes, int valueBytes) {
    static final Shape LONG_LONG = new Shape(8, 8);
    /** Issue 6's second shape: 16-byte keys, 100-byte values. */
    static final Shape KEY16_VALUE100 = new Shape(16, 100);

    Shape {
        // A byte key carries its long key in its first 8 bytes, a value its long at both ends (Keys), which
        // must not overlap.
        if (keyBytes < 8 || (valueBytes != 8 && valueBytes < 16)) {
            throw new IllegalArgumentException("shape " + keyBytes + "x" + valueBytes
                    + ": keys need at least 8 bytes, values 8 or at least 16");
        }
    }

    static Shape parse(String s) {
        String[] parts = s.split("x");
        if (parts.length != 2) {
            throw new IllegalArgumentException("shape " + s + ": expected KEYxVALUE in bytes, for example 8x8 or 16x100");
        }
        try {
            return new Shape(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("shape " + s + ": expected KEYxVALUE in bytes, for example 8x8 or 16x100");
        }
    }

    boolean isLongs() {
        return equals(LONG_LONG);
    }

    @Override
    public String toString() {
        return keyBytes + "x" + valueBytes;
    }
}
