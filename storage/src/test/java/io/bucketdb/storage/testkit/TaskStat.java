package io.bucketdb.storage.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One line of Linux's {@code /proc/<pid>/task/<tid>/stat} (or {@code /proc/thread-self/stat}): a task's name and its
 * scheduling policy, as the kernel reports them. The fields after the name are counted from its closing parenthesis,
 * since a name may hold spaces and parentheses.
 *
 * @param name   the task's name (the kernel keeps at most 15 characters of a thread's name)
 * @param policy the scheduling policy: {@link #SCHED_OTHER}, {@link #SCHED_IDLE}, ...
 */
public record TaskStat(String name, int policy) {
    /** Linux {@code SCHED_OTHER}, the class of ordinary threads. */
    public static final int SCHED_OTHER = 0;
    /** Linux {@code SCHED_IDLE}. */
    public static final int SCHED_IDLE = 5;
    /** Linux {@code SCHED_BATCH}. */
    public static final int SCHED_BATCH = 3;
    /** {@code policy} is field 41 of the line; the fields after the name start at field 3. */
    private static final int POLICY_FIELD = 41;

    /**
     * Reads the stat file {@code stat}.
     *
     * @param stat a task's stat file
     * @return its name and policy
     * @throws IOException if the file cannot be read (a task that ended meanwhile)
     */
    public static TaskStat read(Path stat) throws IOException {
        String line = Files.readString(stat);
        int close = line.lastIndexOf(')');
        String[] fields = line.substring(close + 2).split(" ");
        return new TaskStat(line.substring(line.indexOf('(') + 1, close), Integer.parseInt(fields[POLICY_FIELD - 3]));
    }
}
