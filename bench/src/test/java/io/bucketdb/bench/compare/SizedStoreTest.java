package io.bucketdb.bench.compare;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.bench.Keys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bucketdb-sized}: BucketDB created for the run's entry count. It runs only when named, is never the baseline
 * a peer is compared with, and starts at the B a load of the run's entries would grow to.
 */
class SizedStoreTest {
    @TempDir
    Path dir;

    @Test
    void runsOnlyWhenNamedAndIsNeverTheBaseline() {
        StoreSpec sized = Stores.byName(Stores.BUCKETDB_SIZED);
        assertFalse(Stores.ALL.contains(sized), "the default run is unchanged");
        assertTrue(Stores.names().contains(Stores.BUCKETDB_SIZED));
        StoreSpec chronicle = Stores.byName("chronicle");
        List<StoreSpec> present = List.of(Stores.byName(Stores.BUCKETDB), sized, chronicle);
        assertEquals(Stores.BUCKETDB, Stores.baselineFor(chronicle, present).name());
        assertEquals(Stores.BUCKETDB, Stores.baselineFor(chronicle, List.of(sized, Stores.byName(Stores.BUCKETDB), chronicle)).name());
    }

    @Test
    void aSizedStoreStartsAtTheTableThatHoldsTheRunsEntriesAndThePlainOneAtB0() throws Exception {
        int n = 100_000; // the smallest B with 100,000 <= 6.5 * 2^B is 14
        assertEquals(14, emptyB(Stores.BUCKETDB_SIZED, n));
        assertEquals(0, emptyB(Stores.BUCKETDB, n));
    }

    @Test
    void aSizedStoreLoadsAndReadsBack() throws Exception {
        int n = 20_000;
        KvStore store = Stores.byName(Stores.BUCKETDB_SIZED).opener().open(new StoreSpec.Open(dir, n, true, Shape.parse("8x8"), true));
        try (KvStore.Session s = KvStore.longView(store)) {
            store.bulkLoad(0, n);
            assertEquals(n, store.size());
            for (int i = 0; i < n; i++) {
                assertEquals(Keys.valueOf(Keys.key(i)), s.get(Keys.key(i), Keys.MISSING), "key " + i);
            }
            assertEquals(Keys.MISSING, s.get(Keys.key(n), Keys.MISSING));
        } finally {
            store.close();
        }
    }

    /** Creates the store for {@code n} entries, closes it empty, and reads its B from the closed index. */
    private int emptyB(String name, int n) throws Exception {
        Path at = dir.resolve(name);
        Stores.byName(name).opener().open(new StoreSpec.Open(at, n, true, Shape.parse("8x8"), true)).close();
        try (BucketDB db = BucketDB.open(at, Options.defaults().withCreateIfMissing(false))) {
            assertEquals(0, db.stats().count());
            return db.stats().b();
        }
    }
}
