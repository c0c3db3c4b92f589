package io.bucketdb.storage;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Puts the calling thread in Linux's {@code SCHED_IDLE} class: it then runs only on a core no ordinary thread wants, and
 * waking it never preempts one (issue 16, branch {@code tailcopy}). For helper threads whose work only saves the writer
 * time (the journal's page toucher): the writer's {@code unpark} of the page toucher, once per
 * 64 KiB of journal, let it preempt the writer on its own core whenever the other core was busy (the timer's {@code
 * msync} of the journal, a checkpoint, another process), for the whole 64 KiB touch: puts of 100-400 µs, 195 of the 260
 * slowest late in a 10M-put load at exactly those 64 KiB steps (a {@code sched_switch} trace of the writer). A hint:
 * without Linux or native access, or if the call fails, nothing changes. Not for the snapshot's copy blocks'
 * filler: in a probe at load 6 it starved in that class and the writer made 14 blocks itself.
 */
public final class IdleThreadPolicy {
    /** {@code SCHED_IDLE} (linux/sched.h). */
    private static final int SCHED_IDLE = 5;
    private static final MethodHandle SCHED_SETSCHEDULER = bind();

    private IdleThreadPolicy() {
    }

    private static MethodHandle bind() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        // Checked first: a restricted method without native access prints a warning or throws (JDK 24+).
        if (!os.startsWith("linux") || !IdleThreadPolicy.class.getModule().isNativeAccessEnabled()) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("sched_setscheduler").map(sym -> linker.downcallHandle(sym,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS))).orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Moves the calling thread (only it: Linux schedules threads, and pid 0 is the caller) to {@code SCHED_IDLE}.
     *
     * @return whether the thread is now in {@code SCHED_IDLE}
     */
    public static boolean idleCurrentThread() {
        if (SCHED_SETSCHEDULER == null) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment param = arena.allocate(ValueLayout.JAVA_INT); // struct sched_param { int sched_priority = 0; }
            return (int) SCHED_SETSCHEDULER.invokeExact(0, SCHED_IDLE, param) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
