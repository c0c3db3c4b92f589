package io.bucketdb.pipeline;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.ForwardingDurableFile;
import io.bucketdb.storage.ForwardingDurableIO;
import io.bucketdb.storage.TableFile;
import io.bucketdb.table.GrowthListener;
import io.bucketdb.table.HashTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The next doubling's space mapped ahead by the background thread ({@link GrowthPreparation}, issue 16): once the table
 * nears a doubling the thread extends and maps the file, so the put that starts the doubling extends nothing itself.
 * The table has 64 KiB chunks, so every array past 2^9 buckets needs new chunks. Waits are polls bounded in
 * iterations (a hang guard); nothing asserts time.
 */
class GrowthPreparationTest {
    private static final int POLLS = 60_000;

    @TempDir
    Path dir;

    @Test
    void theDoublingsStartFindsItsSpaceMappedByTheBackgroundThread() throws Exception {
        Recording io = new Recording(FileDurableIO.INSTANCE);
        TableFile file = TableFile.create(io, dir.resolve("t.bdb"), 8, 8, 16, 7, 16);
        HashTable table = HashTable.create(file, GrowthListener.NONE);
        WritePipeline pipeline = new WritePipeline(table, JournalStage.NONE, PipelineConfig.defaults().withSync(false).withIdleEvacuation(true));
        String writer = Thread.currentThread().getName();
        int checked = 0;
        try {
            long k = 0;
            int b = 0; // a fresh table has one bucket
            while (checked < 4) {
                long near = (13 * ((1L << b) >>> 1)) / 8 * 7; // seven eighths of the load that doubles 2^b buckets
                while (table.size() < near) {
                    pipeline.putLong(k, ~k);
                    k++;
                }
                await("the background thread to map the next doubling's space", () -> !table.nextArrayWanted());
                int byWriter = io.allocationsBy(writer);
                while (!table.growing()) {
                    pipeline.putLong(k, ~k);
                    k++;
                }
                long oldBuckets = table.growthProgress()[1];
                b = Long.numberOfTrailingZeros(oldBuckets) + 1;
                if (oldBuckets >= 1 << 10) { // an array of 2^11 buckets (288 KiB) needs new chunks
                    assertEquals(byWriter, io.allocationsBy(writer), "the puts up to and into the doubling of "
                            + oldBuckets + " buckets extended the file themselves: " + io.allocations);
                    checked++;
                }
                while (table.growing()) {
                    pipeline.putLong(k, ~k);
                    k++;
                }
            }
            for (long i = 0; i < k; i++) {
                assertEquals(~i, pipeline.getLong(i, 0), "key " + i);
            }
            assertTrue(io.allocationsBy(BackgroundDuty.THREAD_NAME) >= checked, "the background thread extended the file");
        } finally {
            pipeline.close();
            file.closeAndTrim();
        }
    }

    private static void await(String what, java.util.function.BooleanSupplier done) {
        for (int i = 0; !done.getAsBoolean(); i++) {
            assertTrue(i < POLLS, "gave up waiting: " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** Records which thread extended the table file, and to what size. */
    static final class Recording extends ForwardingDurableIO {
        final List<String> allocations = Collections.synchronizedList(new ArrayList<>());

        Recording(DurableIO delegate) {
            super(delegate);
        }

        int allocationsBy(String thread) {
            synchronized (allocations) {
                return (int) allocations.stream().filter(a -> a.startsWith(thread + " ")).count();
            }
        }

        @Override
        public DurableFile open(Path file, Mode mode) throws IOException {
            return new ForwardingDurableFile(super.open(file, mode)) {
                @Override
                public void allocate(long newSize) throws IOException {
                    if (newSize > size()) {
                        allocations.add(Thread.currentThread().getName() + " " + newSize);
                    }
                    super.allocate(newSize);
                }
            };
        }
    }
}
