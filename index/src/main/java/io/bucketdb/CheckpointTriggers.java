package io.bucketdb;

import java.time.Duration;

/**
 * When an index checkpoints and how much private page memory it keeps afterwards ({@link Options#withCheckpointTriggers},
 * {@link Options#withPrivateMemoryLimit}, {@link Options#withCheckpointsInBackground}): the defaults follow the
 * machine's memory ({@link MachineMemory}).
 *
 * @param dirtyLimitBytes         dirty page bytes that trigger a checkpoint
 * @param journalLimitBytes       journal bytes since the last checkpoint that trigger one
 * @param interval                the longest time between checkpoints
 * @param privateMemoryLimitBytes private page bytes kept after a checkpoint
 * @param background              whether triggered checkpoints run on a checkpoint thread beside the writer
 */
record CheckpointTriggers(long dirtyLimitBytes, long journalLimitBytes, Duration interval, long privateMemoryLimitBytes,
                          boolean background) {
    /** A sixteenth and a quarter of the machine's memory, 256 MiB of journal, 60 seconds, in the background. */
    static final CheckpointTriggers DEFAULT = new CheckpointTriggers(MachineMemory.defaultDirtyLimit(MachineMemory.bytes()),
            256L << 20, Duration.ofSeconds(60), MachineMemory.defaultPrivateMemoryLimit(MachineMemory.bytes()), true);

    CheckpointTriggers withLimits(long dirty, long journal, Duration every) {
        return new CheckpointTriggers(dirty, journal, every, privateMemoryLimitBytes, background);
    }

    CheckpointTriggers withPrivateMemoryLimit(long bytes) {
        return new CheckpointTriggers(dirtyLimitBytes, journalLimitBytes, interval, bytes, background);
    }

    CheckpointTriggers withBackground(boolean inBackground) {
        return new CheckpointTriggers(dirtyLimitBytes, journalLimitBytes, interval, privateMemoryLimitBytes, inBackground);
    }
}
