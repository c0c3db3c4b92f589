package io.bucketdb.bench.compare;

import io.bucketdb.BucketDB;
import io.bucketdb.BulkLoad;
import io.bucketdb.Cursor;
import io.bucketdb.Options;
import io.bucketdb.bench.Keys;
import io.bucketdb.tools.Main;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;

/**
 * BucketDB; writes go through its pipeline to one writer thread. In 8/8 through its {@code long} path
 * ({@code getLong}/{@code putLong}/{@code deleteLong}, allocation-free); in other shapes through
 * {@code get(byte[])}/{@code put(byte[], byte[])} with {@code withKeyWidth}/{@code withValueWidth} set.
 */
final class BucketDbKv implements KvStore {
    /** A fixed hash seed, as in the JMH benchmarks, so every run lays the keys out alike. */
    static final long HASH_SEED = 0x6A09E667F3BCC908L;
    /** Entries a bulk load buffers before each flush. */
    private static final int BULK_BUFFER = 65_536;

    private final BucketDB db;
    private final Shape shape;

    private BucketDbKv(BucketDB db, Shape shape) {
        this.db = db;
        this.shape = shape;
    }

    static KvStore open(StoreSpec.Open how, io.bucketdb.Durability durability) throws Exception {
        return open(how, durability, false);
    }

    /**
     * @param sized whether a new index is created for the run's entry count ({@code withExpectedEntries(N)}, the hint
     *              Chronicle Map's {@code entries(N)} takes), so that loading it never grows the table
     */
    static KvStore open(StoreSpec.Open how, io.bucketdb.Durability durability, boolean sized) throws Exception {
        Options o = Options.defaults().withHashSeed(HASH_SEED).withCreateIfMissing(how.create()).withDurability(durability)
                .withKeyWidth(how.shape().keyBytes()).withValueWidth(how.shape().valueBytes());
        if (sized) {
            o = o.withExpectedEntries(how.entries());
        }
        if (!how.checkpoints()) {
            o = o.withCheckpointTriggers(Long.MAX_VALUE, Long.MAX_VALUE, Duration.ofDays(1));
        }
        return new BucketDbKv(BucketDB.open(how.dir(), o), how.shape());
    }

    @Override
    public Shape shape() {
        return shape;
    }

    /**
     * The bulk load (issue 16): a {@link BulkLoad} buffering {@value #BULK_BUFFER} entries, each flush journaled and
     * applied in groups of 4,096 with one wait per flush, no future per put; in a SYNC index one force per group.
     * Byte shapes go through the same loader ({@link BulkLoad#put} copies the arrays).
     */
    @Override
    public void bulkLoad(int from, int to) {
        boolean longs = shape.isLongs();
        byte[] key = new byte[shape.keyBytes()];
        byte[] value = new byte[shape.valueBytes()];
        try (BulkLoad load = db.bulkLoad(BULK_BUFFER)) {
            for (int n = from; n < to; n++) {
                long k = Keys.key(n);
                if (longs) {
                    load.putLong(k, Keys.valueOf(k));
                } else {
                    Keys.keyBytes(k, key);
                    Keys.valueBytes(Keys.valueOf(k), value);
                    load.put(key, value); // copied: the arrays are reused at once
                }
            }
        }
    }

    /**
     * A checkpoint: a load past the journal trigger (256 MiB by default; 40 bytes per put in 8x8) starts one in the
     * background, which would otherwise write the table back beside the timed reads. {@code checkpoint()}
     * waits for a running one and writes what is left, as RocksDB's settle flushes and compacts.
     */
    @Override
    public void settle() {
        db.checkpoint();
    }

    @Override
    public Session session() {
        if (!shape.isLongs()) {
            throw new IllegalStateException("opened for " + shape + ": use bytesSession()");
        }
        BucketDB d = db;
        return new Session() {
            @Override
            public long get(long key, long missing) {
                return d.getLong(key, missing);
            }

            @Override
            public void put(long key, long value) {
                d.putLong(key, value);
            }

            @Override
            public void delete(long key) {
                d.deleteLong(key);
            }
        };
    }

    /** {@code get(byte[])} returns a copy (BucketDB has no public get into a caller's array). */
    @Override
    public BytesSession bytesSession() {
        BucketDB d = db;
        return new CopyingBytesSession(d::get, d::put, d::delete);
    }

    @Override
    public long size() {
        return db.size();
    }

    @Override
    public Scan scan() {
        Cursor c = db.cursor();
        long count = 0;
        long sum = 0;
        boolean longs = shape.isLongs();
        while (c.next()) {
            count++;
            // The 8/8 index stores the long little-endian (keyLong); the byte shapes carry Keys' byte form.
            sum += longs ? c.keyLong() : Keys.longOf(c.key());
        }
        return new Scan(count, sum);
    }

    /** {@code bucketdb compact DIR} (the tools' command, in this JVM): rebuilds the closed index sized for its count. */
    @Override
    public Path compactAndClose(Path dir) throws Exception {
        db.close();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute("compact", dir.toString());
        if (exit != 0) {
            throw new IllegalStateException("bucketdb compact " + dir + " exited with " + exit + ": " + err + out);
        }
        System.out.print(out);
        return dir;
    }

    @Override
    public void close() throws Exception {
        db.close();
    }
}
