package io.bucketdb.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.storage.testkit.TaskStat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ASYNC force's timer runs in {@code SCHED_BATCH} ({@code tail5}): woken at each page its {@code msync} waits for,
 * it must not preempt the writer's core. Read from the kernel's view of this process's tasks.
 */
class BackgroundThreadClassTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(60)
    void theTimerOfAnAsyncIndexIsInTheBatchClass() throws Exception {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux"), "Linux only");
        Options o = Options.defaults().withCreateIfMissing(true).withDurability(Durability.ASYNC).withKeyWidth(8)
                .withValueWidth(8);
        try (BucketDB db = BucketDB.open(tmp.resolve("idx"), o)) {
            db.putLong(1, 2);
            // The timer moves itself when it first runs (its first tick): wait for that; the timeout bounds the wait.
            List<TaskStat> timers = timerTasks();
            while (timers.isEmpty() || timers.stream().anyMatch(t -> t.policy() != TaskStat.SCHED_BATCH)) {
                Thread.sleep(5);
                timers = timerTasks();
            }
            assertEquals(List.of(), timers.stream().filter(t -> t.policy() != TaskStat.SCHED_BATCH).toList());
        }
    }

    private static List<TaskStat> timerTasks() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.map(t -> {
                try {
                    return TaskStat.read(t.resolve("stat"));
                } catch (IOException ended) {
                    return null;
                }
            }).filter(s -> s != null && s.name().startsWith("bucketdb-timer")).toList();
        }
    }
}
