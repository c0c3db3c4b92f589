package io.bucketdb.engine;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.WriteBatch;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * The writer process of {@link LiveViewProcessTest}: write {@code i} (1, 2, 3, ...) goes to key {@code i % keys}
 * with value {@code i}, alone or in a batch of consecutive writes, in {@code ASYNC}, until it is killed. So a key's
 * value only grows, and every value a key can hold names the write that put it there. Reports on stdout, flushed:
 * <pre>
 *   A &lt;i&gt;   every write up to i was acknowledged
 *   C &lt;n&gt;   checkpoint n was installed (segments recycled)
 * </pre>
 * Arguments: index directory, seed, keys.
 */
public final class ViewWriterChild {
    static final int MAX_BATCH = 16;

    private ViewWriterChild() {
    }

    static Options options() {
        return Options.defaults()
                .withDurability(Durability.ASYNC)
                .withChunking(16, 16)
                .withJournalSegmentSize(64 * 1024).withJournalBufferSize(16 * 1024)
                .withCheckpointTriggers(256 * 1024, 128 * 1024, Duration.ofHours(1));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        SplittableRandom rnd = new SplittableRandom(Long.parseLong(args[1]));
        int keys = Integer.parseInt(args[2]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false);
        try (BucketDB db = BucketDB.open(dir, options())) {
            long i = 0;
            long checkpoints = db.checkpoints();
            while (true) {
                if (rnd.nextInt(4) == 0) {
                    int n = 2 + rnd.nextInt(MAX_BATCH - 1);
                    WriteBatch b = new WriteBatch();
                    for (int j = 0; j < n; j++) {
                        i++;
                        b.putLong(i % keys, i);
                    }
                    db.write(b);
                } else {
                    i++;
                    db.putLong(i % keys, i);
                }
                out.println("A " + i);
                if (db.checkpoints() != checkpoints) {
                    checkpoints = db.checkpoints();
                    out.println("C " + checkpoints);
                }
                out.flush();
            }
        }
    }
}
