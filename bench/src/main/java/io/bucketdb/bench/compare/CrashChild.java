package io.bucketdb.bench.compare;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The child JVM of the recover workload ({@link Worker}): {@code load --store NAME --entries N --shape S
 * --dir DIR} creates the store with its own checkpoints off (BucketDB's triggers), loads keys 0 .. N-1
 * the fastest way it offers ({@link KvStore#bulkLoad}), prints {@code done} and waits to be killed with
 * SIGKILL. It never closes the store: what the next open finds is what a crash leaves.
 */
public final class CrashChild {
    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !args[0].equals("load")) {
            throw new IllegalArgumentException("usage: CrashChild load --store NAME --entries N --shape KxV --dir DIR");
        }
        Map<String, String> a = Args.parse(Arrays.copyOfRange(args, 1, args.length));
        StoreSpec spec = Stores.byName(a.get("store"));
        int entries = Integer.parseInt(a.get("entries"));
        KvStore store = spec.opener().open(new StoreSpec.Open(Path.of(a.get("dir")), entries, true, Shape.parse(a.get("shape")), false));
        long t0 = System.nanoTime();
        store.bulkLoad(0, entries);
        System.out.println("result loadSeconds=" + (System.nanoTime() - t0) / 1e9);
        System.out.println("done");
        System.out.flush();
        // Keep the store open and its threads running until the parent's SIGKILL.
        Thread.sleep(Long.MAX_VALUE);
        store.close();
    }
}
