package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The writer process of {@link ToolsAfterKillTest}: write {@code i} (1, 2, 3, ...) puts value {@code i} at key
 * {@code i % keys}, SYNC, with no checkpoint, until it is killed; after each acknowledgement it prints
 * {@code A i} (flushed). Arguments: index directory, keys.
 */
public final class AckingWriter {
    private AckingWriter() {
    }

    public static void main(String[] args) throws Exception {
        int keys = Integer.parseInt(args[1]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false);
        Options o = Options.defaults().withChunking(16, 16).withDurability(Durability.SYNC)
                .withCheckpointTriggers(1L << 30, 1L << 30, Duration.ofHours(1));
        try (BucketDB db = BucketDB.open(Path.of(args[0]), o)) {
            for (long i = 1; ; i++) {
                db.putLong(i % keys, i);
                out.println("A " + i);
                out.flush();
            }
        }
    }
}
