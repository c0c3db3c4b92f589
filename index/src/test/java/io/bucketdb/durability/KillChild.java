package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Growth;
import io.bucketdb.Options;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * The child process of {@link ProcessKillTest}: opens the index with {@code SYNC} and writes until it is killed,
 * reporting on stdout (flushed line by line):
 * <pre>
 *   O &lt;recovery&gt;                         opened
 *   W &lt;seq&gt; &lt;key&gt; P|D                    about to put (value = seq &lt;&lt; 20 | key) or delete
 *   A &lt;seq&gt; &lt;growing&gt; &lt;B&gt; &lt;checkpoints&gt;    that write was acknowledged (the call returned)
 *   CB / CE &lt;checkpoints&gt;                 an explicit checkpoint begins / ended
 * </pre>
 * Arguments: index directory, random seed, first sequence number.
 */
public final class KillChild {
    static final int KEY_BITS = 20;

    private KillChild() {
    }

    static Options options() {
        return Options.defaults()
                .withDurability(Durability.SYNC)
                .withChunking(16, 16)
                .withJournalSegmentSize(64 * 1024).withJournalBufferSize(64 * 1024)
                .withPrivateMemoryLimit(0) // every checkpoint releases the pages it wrote back: that path is under test too
                .withCheckpointTriggers(24 * 1024, 24 * 1024, Duration.ofHours(1));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        SplittableRandom rnd = new SplittableRandom(Long.parseLong(args[1]));
        long seq = Long.parseLong(args[2]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false);
        try (BucketDB db = BucketDB.open(dir, options())) {
            out.println("O " + db.recovery());
            out.flush();
            while (true) {
                // The key space widens with the sequence, so the table keeps growing across kills.
                long limit = Math.min((1L << KEY_BITS) - 1, 48 + seq / 3);
                long key = rnd.nextLong(limit);
                int dice = rnd.nextInt(100);
                if (dice < 2) {
                    out.println("CB");
                    out.flush();
                    db.checkpoint();
                    out.println("CE " + db.checkpoints());
                    out.flush();
                    continue;
                }
                if (dice < 82) {
                    out.println("W " + seq + " " + key + " P");
                    out.flush();
                    db.putLong(key, seq << KEY_BITS | key);
                } else {
                    out.println("W " + seq + " " + key + " D");
                    out.flush();
                    db.deleteLong(key);
                }
                Growth g = db.growth();
                out.println("A " + seq + " " + (g.growing() ? 1 : 0) + " " + g.b() + " " + db.checkpoints());
                out.flush();
                seq++;
            }
        }
    }
}
