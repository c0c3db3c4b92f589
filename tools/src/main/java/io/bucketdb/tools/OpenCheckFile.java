package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Cursor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * In {@code crashtest --chain} the checker never opens the index: each writer life checks what the previous
 * one left, through its own open (which is the recovery), before it writes anything. The writer reads every
 * key the ledger knows with a point lookup and walks the cursor, writes what it found to this file, and only
 * then starts writing; crashtest compares the file with the {@link Ledger} after the kill. The check sees
 * exactly the table the next writes build on, and no clean close ever hides what a later crash meets.
 *
 * <p>Layout, little-endian longs:
 * <pre>
 *   MAGIC, n, tag(key 0) .. tag(key n-1), size(), cursor entries, cursor entries whose value differs from the
 *   lookup's, s (0..3), s keys outside 0..n-1 the cursor met
 * </pre>
 * A tag is 0 for an absent key and -1 for bytes no writer wrote (see {@link CrashValue}).
 */
final class OpenCheckFile {
    private static final long MAGIC = 0x4B43484345504FL; // "OPECHCK"
    private static final int MAX_STRANGERS = 3;

    private OpenCheckFile() {
    }

    /** The writer's side: reads keys {@code 0..keys-1} and the cursor of {@code db} into {@code file}. */
    static void write(BucketDB db, int valueWidth, long keys, Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact((keys + 8) * Long.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(MAGIC).putLong(keys);
        long[] tags = new long[(int) keys];
        for (int k = 0; k < keys; k++) {
            tags[k] = Ledger.read(db, k, valueWidth);
            b.putLong(tags[k]);
        }
        long entries = 0;
        long differ = 0;
        long[] strangers = new long[MAX_STRANGERS];
        int s = 0;
        Cursor c = db.cursor();
        while (c.next()) {
            entries++;
            long key = CrashValue.keyOf(c.key());
            if (key < 0 || key >= keys) {
                if (s < MAX_STRANGERS) {
                    strangers[s++] = key;
                }
                continue;
            }
            byte[] v = c.value();
            long tag = v.length == 0 ? -1 : CrashValue.tagOf(v);
            if (tag != tags[(int) key]) {
                differ++;
            }
        }
        b.putLong(db.size()).putLong(entries).putLong(differ).putLong(s);
        for (int i = 0; i < s; i++) {
            b.putLong(strangers[i]);
        }
        Files.write(file, Arrays.copyOf(b.array(), b.position()));
    }

    /**
     * crashtest's side: the view of what the writer found.
     *
     * @throws IllegalStateException if the file is not one a writer finished
     */
    static Ledger.View read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 2 * Long.BYTES || b.getLong() != MAGIC) {
            throw new IllegalStateException(file + ": not an open-check file a writer finished");
        }
        long n = b.getLong();
        if (n < 0 || b.remaining() < (n + 4) * Long.BYTES) {
            throw new IllegalStateException(file + ": cut short (" + n + " keys announced, " + b.remaining() + " bytes follow)");
        }
        long[] tags = new long[(int) n];
        for (int k = 0; k < n; k++) {
            tags[k] = b.getLong();
        }
        long size = b.getLong();
        long entries = b.getLong();
        long differ = b.getLong();
        long[] strangers = new long[(int) Math.min(MAX_STRANGERS, Math.max(0, b.getLong()))];
        for (int i = 0; i < strangers.length; i++) {
            strangers[i] = b.getLong();
        }
        List<String> own = new ArrayList<>();
        if (entries != size) {
            own.add("the cursor met " + entries + " entries, but size() says " + size);
        }
        if (differ != 0) {
            own.add(differ + " entries hold a different value through the cursor than through a lookup");
        }
        return new Ledger.View() {
            @Override
            public long read(long key) {
                if (key >= tags.length) {
                    throw new IllegalStateException(file + " holds keys 0.." + (tags.length - 1) + ", not " + key);
                }
                return tags[(int) key];
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public List<String> ownProblems() {
                return own;
            }

            @Override
            public long[] strangers(long keyEnd) {
                return strangers.clone();
            }
        };
    }
}
