package io.bucketdb.engine;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;

import java.nio.file.Path;

/**
 * The child JVM of {@link StagingLeftoversTest}: begins a build of a new index at {@code args[0]} (the staging
 * directory and its lock, as {@code IndexBuild}, {@code import} and {@code compact --to} take them), puts
 * {@code args[1]} entries into the staged index without closing it, says "staged", then waits for a line on stdin and
 * dies without a commit or a close ({@code halt}: no cleanup runs, as after {@code kill -9}). The parent kills it
 * instead, or sends the line.
 */
public final class CrashedBuildChild {
    private CrashedBuildChild() {
    }

    public static void main(String[] args) throws Exception {
        StagedIndex build = StagedIndex.begin(null, Path.of(args[0]));
        BucketDB staged = build.create(Options.defaults().withDurability(Durability.ASYNC).withChunking(16, 16));
        long n = Long.parseLong(args[1]);
        for (long k = 0; k < n; k++) {
            staged.putLong(k, ~k);
        }
        System.out.println("staged " + staged.size());
        System.out.flush();
        System.in.read();
        Runtime.getRuntime().halt(0);
    }
}
