package io.bucketdb.bench.compare;

/**
 * Key and value widths of a run. Only {@link #LONG_LONG} (8-byte keys, 8-byte values) is wired
 * today: the stores' {@link KvStore.Session} speaks {@code long}. The 16-byte key, 100-byte value
 * case of issue 6 needs a byte-oriented session beside it (BucketDB through {@code put(byte[], byte[])}
 * with {@code Options.withKeyWidth(16).withValueWidth(100)}, the peers through their byte APIs);
 * the runner, the forks and the report already carry the shape.
 */
record Shape(int keyBytes, int valueBytes) {
    static final Shape LONG_LONG = new Shape(8, 8);

    static Shape parse(String s) {
        String[] parts = s.split("x");
        if (parts.length != 2) {
            throw new IllegalArgumentException("shape " + s + ": expected KEYxVALUE in bytes, for example 8x8");
        }
        Shape shape = new Shape(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        if (!shape.equals(LONG_LONG)) {
            throw new IllegalArgumentException("shape " + s + " is not wired yet: only 8x8 runs today (see Shape's Javadoc)");
        }
        return shape;
    }

    @Override
    public String toString() {
        return keyBytes + "x" + valueBytes;
    }
}
