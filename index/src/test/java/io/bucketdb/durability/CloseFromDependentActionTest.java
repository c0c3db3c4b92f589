package io.bucketdb.durability;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code close()} from a dependent action of a future the index completes on one of its threads is refused with an
 * {@link IllegalStateException} (it would wait for that action to end), and the refusal changes nothing: the index
 * takes writes, and the owner's close drains, checkpoints and releases the lock. (It once marked the index closed and
 * stopped its timer before refusing: every later call failed as closed, the owner's close returned at once without its
 * checkpoint, and a reopen in the same process found the lock held.)
 */
class CloseFromDependentActionTest {
    @TempDir
    Path tmp;

    @Test
    void aRefusedCloseFromADependentActionLeavesTheIndexOpenAndClosableLater() throws Exception {
        Path dir = tmp.resolve("idx");
        Options options = Options.defaults().withDurability(Durability.SYNC);
        BucketDB db = BucketDB.open(dir, options);
        Thread attaching = Thread.currentThread();
        Throwable refused = null;
        for (int round = 0; round < 100 && refused == null; round++) {
            refused = db.putLongAsync(round, round).handle((r, t) -> {
                if (Thread.currentThread() == attaching) {
                    return (Throwable) null; // ran inline: close() would be legal here, try again
                }
                try {
                    db.close();
                    return new AssertionError("close() from a dependent action returned");
                } catch (Throwable e) {
                    return e;
                }
            }).get(60, TimeUnit.SECONDS);
        }
        assertTrue(refused instanceof IllegalStateException, String.valueOf(refused));
        assertTrue(db.putLong(1_000, 1), "the index goes on after the refused close");
        db.close();
        try (BucketDB reopened = BucketDB.open(dir, options)) {
            assertFalse(reopened.recovery().needed(), "the owner's close was clean: " + reopened.recovery());
            assertEquals(1, reopened.getLong(1_000, -1));
        }
    }
}
