package io.bucketdb.storage;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The few libc calls that {@link java.nio.channels.FileChannel} does not offer, bound once through the
 * FFM {@link Linker}: {@code posix_fallocate} (so preallocation really reserves blocks and a full disk is
 * an {@link IOException} instead of a later SIGBUS in a mapping), {@code madvise(MADV_DONTNEED)} (so a
 * checkpoint can hand written-back private pages back to the page cache), {@code madvise(MADV_RANDOM)} (so a
 * fault in a mapping reads no read-ahead window, see {@link #adviseRandom}) and {@code sync_file_range} (so a
 * checkpoint's pages start for the device before its force, see {@link #startWriteback}), and {@code
 * sched_setscheduler} (so a helper thread of the writer never preempts it, see {@link #idleCurrentThread}).
 *
 * <p>Every call is optional. The bindings exist only on Linux (x86_64, aarch64, whose flag values are
 * hard-coded here) and only when native access is enabled for this module: {@code
 * --enable-native-access=io.bucketdb.storage} on the module path, {@code --enable-native-access=ALL-UNNAMED}
 * on the class path. Availability is checked with {@link Module#isNativeAccessEnabled()} before any
 * restricted method runs, so a JVM without the flag sees no warning; callers get {@code false} and use
 * their pure-Java fallback.
 *
 * <p>Binding costs: the first downcall handle a JVM builds brings up the FFM linker, 90-130 ms of one core in a fresh
 * JVM, and each further one 5-10 ms (issue 16, part "recovery": most of an open's "table opening"). So the handles are
 * bound in holder classes, each on first use: {@link Core} ({@code open}, {@code close}: a writable file's open needs
 * them), {@link Allocation} ({@code posix_fallocate}), {@link Punch} ({@code fallocate}), {@link Advice}
 * ({@code madvise}), {@link Writeback} ({@code sync_file_range}), {@link IdleClass} ({@code sched_setscheduler}) and
 * {@code stat}; and {@link #bindInBackground} lets an open start binding on another thread while
 * it does other work (a holder's class initialization is thread-safe: a caller that needs the holder meanwhile waits
 * for it). A holder whose symbol is missing leaves that call on its fallback.
 */
public final class NativeFileOps {

    /** Linux {@code MADV_NORMAL}: the default, a fault reads ahead (and around) as {@code read_ahead_kb} allows. */
    private static final int MADV_NORMAL = 0;
    /** Linux {@code MADV_RANDOM}: a fault reads only its own page, no read-ahead around it. */
    private static final int MADV_RANDOM = 1;
    /** Linux {@code MADV_DONTNEED}: drop the pages; a private file mapping then reads the file again. */
    private static final int MADV_DONTNEED = 4;
    private static final int O_WRONLY = 1;
    /** Linux x86_64 and aarch64 value (02000000 octal). */
    private static final int O_CLOEXEC = 0x80000;
    private static final int EINTR = 4;
    private static final int EOPNOTSUPP = 95;
    private static final int FALLOC_FL_KEEP_SIZE = 1;
    private static final int FALLOC_FL_PUNCH_HOLE = 2;
    /** {@code sync_file_range}: start write-back of the range's dirty pages, wait for nothing. */
    private static final int SYNC_FILE_RANGE_WRITE = 2;
    /** Linux {@code SCHED_IDLE} (linux/sched.h): run only on a core no ordinary thread wants. */
    private static final int SCHED_IDLE = 5;
    private static final int SCHED_BATCH = 3;

    /** Whether {@link #bindInBackground} started its thread; once per JVM. */
    private static final AtomicBoolean BINDING_STARTED = new AtomicBoolean();

    private NativeFileOps() {
    }

    /**
     * {@return whether the native calls are bound: Linux, a known architecture, native access enabled, and at least
     * {@code open} and {@code close} bound}
     */
    public static boolean isAvailable() {
        return Core.BINDINGS.isPresent();
    }

    /**
     * Starts binding the calls on a daemon thread ({@code bucketdb-native-bind}), in the order a writable open uses
     * them, and returns at once; later calls do nothing. Nothing starts where the calls cannot be bound (not Linux, an
     * unknown architecture, native access not enabled). An open calls it first, so that the binding overlaps the
     * work before the first writable file is opened (class loading, finishing a checkpoint, the lock).
     */
    public static void bindInBackground() {
        if (!platformAllows() || !BINDING_STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread.ofPlatform().daemon().name("bucketdb-native-bind").start(NativeFileOps::bindAll);
    }

    /**
     * Linux, a known architecture and native access: checked before any restricted method runs. Here, not in
     * {@link Core}: calling a static method of a holder would run its initializer, the binding, on the caller.
     */
    private static boolean platformAllows() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        boolean knownArch = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64");
        // Checked first: calling a restricted method without native access prints a warning (JDK 24+)
        // or throws IllegalCallerException (--illegal-native-access=deny).
        return os.startsWith("linux") && knownArch && NativeFileOps.class.getModule().isNativeAccessEnabled();
    }

    /** Runs each holder's class initialization (here, unless a caller got there first), in the order an open needs them. */
    private static void bindAll() {
        Core.BINDINGS.isPresent();
        Allocation.HANDLE.isPresent();
        Punch.HANDLE.isPresent();
        Advice.BINDING.isPresent();
        Writeback.HANDLE.isPresent();
    }

    /**
     * Releases the pages of {@code segment} with {@code madvise(MADV_DONTNEED)}. On a private file mapping
     * this discards the copy-on-write copies: later reads see the file's bytes again. Call it only for
     * pages whose content the file already holds (after a checkpoint wrote them in place and forced).
     * Every page the segment touches is released, including the rest of a last partial page.
     *
     * @param segment a page-aligned slice of a private mapping
     * @return {@code false} if native calls are unavailable (nothing was done; remap instead)
     * @throws IllegalArgumentException if the segment is not native or does not start on a page boundary
     * @throws IOException if {@code madvise} reports an error
     */
    public static boolean madviseDontNeed(MemorySegment segment) throws IOException {
        return madvise(segment, MADV_DONTNEED, "MADV_DONTNEED");
    }

    /**
     * Advises {@code madvise(MADV_RANDOM)} for the pages of {@code segment}: a page fault in it then reads only the
     * faulting page instead of reading ahead {@code read_ahead_kb} around it. For a mapping read and written at random, or
     * over allocated space never written, where the read-ahead is all waste: on ext4 a fault on an unwritten extent
     * zero-fills the whole read-ahead window (8 MiB on the benchmark machine, about 22 ms) in the faulting thread (issue
     * 16, docs/BENCHMARKS.md, "tail"). A hint only: the mapping's bytes are the same with it or without it.
     *
     * @param segment a page-aligned mapping
     * @return {@code false} if native calls are unavailable, the segment is not a page-aligned native one, or {@code
     *     madvise} refused: nothing changed, and the mapping works as before
     */
    public static boolean adviseRandom(MemorySegment segment) {
        return adviseHint(segment, MADV_RANDOM, "MADV_RANDOM");
    }

    /**
     * Advises {@code madvise(MADV_NORMAL)} for the pages of {@code segment}: undoes {@link #adviseRandom}, so a fault
     * reads ahead again (for pages a get may fault back in after a checkpoint released them, where read-around helps).
     * A hint only, as {@link #adviseRandom}.
     *
     * @param segment a page-aligned mapping
     * @return {@code false} if native calls are unavailable, the segment is not a page-aligned native one, or {@code
     *     madvise} refused: nothing changed
     */
    public static boolean adviseNormal(MemorySegment segment) {
        return adviseHint(segment, MADV_NORMAL, "MADV_NORMAL");
    }

    private static boolean adviseHint(MemorySegment segment, int advice, String name) {
        if (!segment.isNative() || Advice.BINDING.isEmpty() || segment.address() % Advice.BINDING.get().pageSize != 0) {
            return false;
        }
        try {
            return madvise(segment, advice, name);
        } catch (IOException e) {
            return false; // a hint the kernel refused: the mapping works as before
        }
    }

    /** {@link #madvise}'s errno buffer, one per thread (only read on the thread that made the call). */
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Core.BINDINGS.orElseThrow().callState));

    private static boolean madvise(MemorySegment segment, int advice, String name) throws IOException {
        if (Core.BINDINGS.isEmpty() || Advice.BINDING.isEmpty()) {
            return false;
        }
        Core b = Core.BINDINGS.get();
        Advice r = Advice.BINDING.get();
        if (!segment.isNative()) {
            throw new IllegalArgumentException("madvise needs a native (mapped) segment, got " + segment);
        }
        if (segment.address() % r.pageSize != 0) {
            throw new IllegalArgumentException("madvise needs a page-aligned segment (page size "
                    + r.pageSize + "), got address 0x" + Long.toHexString(segment.address()));
        }
        if (segment.byteSize() == 0) {
            return true;
        }
        try {
            // One call-state buffer per thread, not an arena per call: a growth's end advises one slice per mapped
            // chunk, and GrowthEventsAllocationTest counts what the writer allocates while a growth finishes.
            MemorySegment state = CALL_STATE.get();
            int rc = (int) r.madvise.invokeExact(state, segment, segment.byteSize(), advice);
            if (rc != 0) {
                int errno = b.errno(state);
                throw new IOException("madvise(" + name + ", " + segment.byteSize() + " bytes) failed: "
                        + Errno.describe(errno));
            }
            return true;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("madvise downcall", t);
        }
    }

    /**
     * Opens {@code file} for writing through libc, for {@link #allocate}. The descriptor refers to the
     * file's inode, so it stays right when the file is renamed later.
     *
     * @return the descriptor, or {@code -1} if native calls (or {@code posix_fallocate}) are unavailable
     */
    static int openForAllocation(Path file) throws IOException {
        if (Core.BINDINGS.isEmpty() || Allocation.HANDLE.isEmpty()) {
            return -1;
        }
        Core b = Core.BINDINGS.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(b.callState);
            MemorySegment name = arena.allocateFrom(file.toString());
            int fd;
            do {
                fd = (int) b.open.invokeExact(state, name, O_WRONLY | O_CLOEXEC, 0);
            } while (fd < 0 && b.errno(state) == EINTR);
            if (fd < 0) {
                throw new IOException("open(" + file + ") for allocation failed: " + Errno.describe(b.errno(state)));
            }
            return fd;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("open downcall", t);
        }
    }

    /**
     * Reserves blocks for {@code [offset, offset + length)} of the file behind {@code fd} with {@code
     * posix_fallocate}, growing the file if the range ends past it. {@code posix_fallocate} returns its
     * error number instead of setting {@code errno}.
     *
     * @throws IOException naming {@code file} and the error, for example {@code ENOSPC} on a full disk
     */
    static void allocate(int fd, long offset, long length, Path file) throws IOException {
        MethodHandle posixFallocate = Allocation.HANDLE.orElseThrow(); // a descriptor from openForAllocation implies it
        try {
            int rc;
            do {
                rc = (int) posixFallocate.invokeExact(fd, offset, length);
            } while (rc == EINTR);
            if (rc != 0) {
                throw new IOException("cannot allocate " + length + " bytes at offset " + offset + " of " + file
                        + ": posix_fallocate failed: " + Errno.describe(rc));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("posix_fallocate downcall", t);
        }
    }

    /**
     * Frees the blocks of {@code [offset, offset + length)} of the file behind {@code fd}, keeping its size:
     * Linux's {@code fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)}. The range reads as zeros after.
     *
     * @return false if the file system cannot punch holes ({@code EOPNOTSUPP}), or {@code fallocate} cannot be bound:
     *         nothing changed
     * @throws IOException naming {@code file} and the error
     */
    static boolean punchHole(int fd, long offset, long length, Path file) throws IOException {
        Core b = Core.BINDINGS.orElseThrow();
        if (Punch.HANDLE.isEmpty()) {
            return false;
        }
        MethodHandle fallocate = Punch.HANDLE.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(b.callState);
            int rc;
            do {
                rc = (int) fallocate.invokeExact(state, fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, offset, length);
            } while (rc != 0 && b.errno(state) == EINTR);
            if (rc != 0) {
                int errno = b.errno(state);
                if (errno == EOPNOTSUPP) {
                    return false;
                }
                throw new IOException("cannot punch a hole of " + length + " bytes at offset " + offset + " of " + file
                        + ": fallocate failed: " + Errno.describe(errno));
            }
            return true;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("fallocate downcall", t);
        }
    }

    /**
     * The bytes {@code file} takes on the disk: {@code st_blocks} of {@code stat(2)}, in 512-byte units, which counts
     * neither punched holes nor ranges never written, unlike the file's size. {@code stat} and {@code du} report it;
     * {@code bucketdb stat} shows it next to the size.
     *
     * @param file the file
     * @return the allocated bytes, or -1 where native calls (or {@code stat}) are unavailable
     * @throws IOException naming {@code file} and the error if {@code stat} fails
     */
    public static long allocatedBytes(Path file) throws IOException {
        if (Core.BINDINGS.isEmpty() || StatBinding.STAT.isEmpty()) {
            return -1;
        }
        Core b = Core.BINDINGS.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(b.callState);
            MemorySegment name = arena.allocateFrom(file.toString());
            MemorySegment buf = arena.allocate(StatBinding.STRUCT_BYTES, 8);
            int rc = (int) StatBinding.STAT.get().invokeExact(state, name, buf);
            if (rc != 0) {
                throw new IOException("cannot stat " + file + ": " + Errno.describe(b.errno(state)));
            }
            return buf.get(ValueLayout.JAVA_LONG, StatBinding.ST_BLOCKS_OFFSET) * 512;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("stat downcall", t);
        }
    }

    /**
     * Starts the write-back of the dirty pages of {@code [offset, offset + length)} of the file behind {@code fd}
     * ({@code sync_file_range(SYNC_FILE_RANGE_WRITE)}) and returns without waiting for it: a hint that makes nothing
     * durable (see {@link io.bucketdb.spi.DurableFile#startWriteback}). A refusal is ignored: the force that follows
     * writes whatever is left and reports any failed write-back.
     *
     * @return whether the call was made and succeeded ({@code false}: not bound, or refused; nothing to do either way)
     */
    static boolean startWriteback(int fd, long offset, long length) {
        if (Writeback.HANDLE.isEmpty()) {
            return false;
        }
        try {
            return (int) Writeback.HANDLE.get().invokeExact(fd, offset, length, SYNC_FILE_RANGE_WRITE) == 0;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("sync_file_range downcall", t);
        }
    }

    /**
     * Moves the calling thread (only it: Linux schedules threads, and pid 0 is the caller) to Linux's {@code SCHED_IDLE}
     * class: it then runs only on a core no ordinary thread wants, and waking it never preempts one (issue 16, branch
     * {@code tailcopy}). For helper threads whose work only saves the writer time (the journal's page toucher): the
     * writer's {@code unpark} of the toucher, once per 64 KiB of journal, let it preempt the writer on its own core
     * whenever the other core was busy, for its whole 64 KiB touch: puts of 100-400 µs, 195 of the 260 slowest late in
     * a 10M-put load (a {@code sched_switch} trace of the writer). Not for a helper the writer depends on: the
     * snapshot's copy-block filler starved in this class at load 6. A hint: unbound or refused, nothing changes.
     *
     * @return whether the thread is now in {@code SCHED_IDLE}
     */
    public static boolean idleCurrentThread() {
        return setScheduler(SCHED_IDLE);
    }

    /**
     * Moves the calling thread to Linux's {@code SCHED_BATCH} class: the same share of the CPU as an ordinary thread
     * (nice 0), but waking it does not preempt the thread running on that core; it waits for the tick or the end of
     * that thread's slice (issue 16, docs/BENCHMARKS.md "tail5"). For background threads that must keep up but mostly
     * wait for I/O (the ASYNC force's timer, the journal's segment preparer): in a {@code sched_switch} trace of a
     * 10M-put load the timer, woken as each page its {@code msync} waited for was written, took the writer's core 114
     * times. Not for threads with long runs of CPU work (a background checkpoint, the copy-block filler): in one probe
     * with them in this class too they held the writer's core more, not less (not explained; a guess, not checked: a
     * running batch thread may not be preempted by the writer's wake-up either). A hint: unbound or refused, nothing
     * changes.
     *
     * @return whether the thread is now in {@code SCHED_BATCH}
     */
    public static boolean batchCurrentThread() {
        return setScheduler(SCHED_BATCH);
    }

    private static boolean setScheduler(int policy) {
        if (IdleClass.HANDLE.isEmpty()) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment param = arena.allocate(ValueLayout.JAVA_INT); // struct sched_param { int sched_priority = 0; }
            return (int) IdleClass.HANDLE.get().invokeExact(0, policy, param) == 0;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("sched_setscheduler downcall", t);
        }
    }

    /** {@code stat}, bound on first use, apart from the other calls: a libc before 2.33 exports no {@code stat}. */
    private static final class StatBinding {
        /** {@code st_blocks} of {@code struct stat}: byte 64 on Linux x86_64 and aarch64 alike. */
        static final long ST_BLOCKS_OFFSET = 64;
        /** Room for {@code struct stat} (144 bytes on x86_64, 128 on aarch64). */
        static final long STRUCT_BYTES = 256;
        static final Optional<MethodHandle> STAT = bind();

        private StatBinding() {
        }

        private static Optional<MethodHandle> bind() {
            return Core.bindOptional("stat", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
                    true);
        }
    }

    /** {@code posix_fallocate}, bound on first use: a writable file's open uses it when it can grow the file. */
    private static final class Allocation {
        static final Optional<MethodHandle> HANDLE = Core.bindOptional("posix_fallocate",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                false); // it returns its error number instead of setting errno

        private Allocation() {
        }
    }

    /**
     * {@code sync_file_range}, bound on first use (a checkpoint on the writer, to start the write-back of its pages before
     * its force); no errno capture: a refusal is ignored.
     */
    private static final class Writeback {
        static final Optional<MethodHandle> HANDLE = Core.bindOptional("sync_file_range",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT), false);

        private Writeback() {
        }
    }

    /** {@code sched_setscheduler}, bound on first use (by the thread that moves itself); no errno capture: a refusal is ignored. */
    private static final class IdleClass {
        static final Optional<MethodHandle> HANDLE = Core.bindOptional("sched_setscheduler",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                false);

        private IdleClass() {
        }
    }

    /** {@code fallocate(FALLOC_FL_PUNCH_HOLE)}, bound on first use (a checkpoint that gives free pages back). */
    private static final class Punch {
        static final Optional<MethodHandle> HANDLE = Core.bindOptional("fallocate",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG), true);

        private Punch() {
        }
    }

    /**
     * {@code madvise} and the page size it needs, bound on first use (the first table chunk or journal window mapped, or
     * a checkpoint that releases private pages).
     */
    private record Advice(MethodHandle madvise, long pageSize) {
        static final Optional<Advice> BINDING = bind();

        private static Optional<Advice> bind() {
            Optional<MethodHandle> madvise = Core.bindOptional("madvise",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
                    true);
            Optional<MethodHandle> getpagesize = Core.bindOptional("getpagesize", FunctionDescriptor.of(ValueLayout.JAVA_INT),
                    false);
            if (madvise.isEmpty() || getpagesize.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Advice(madvise.get(), (int) getpagesize.get().invokeExact()));
            } catch (Throwable t) {
                return Optional.empty();
            }
        }
    }

    /** Closes a descriptor from {@link #openForAllocation}. */
    static void close(int fd, Path file) throws IOException {
        Core b = Core.BINDINGS.orElseThrow();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(b.callState);
            // No retry on EINTR: on Linux the descriptor is released even then, and a retry could close
            // a descriptor another thread has just been given.
            int rc = (int) b.close.invokeExact(state, fd);
            if (rc != 0 && b.errno(state) != EINTR) {
                throw new IOException("close(" + file + ") failed: " + Errno.describe(b.errno(state)));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("close downcall", t);
        }
    }

    /**
     * The calls every native open needs ({@code open}, {@code close}) and the errno capture the others share; bound on
     * first use, or absent when native calls must not or cannot be used.
     */
    private record Core(MethodHandle open, MethodHandle close, StructLayout callState, VarHandle errnoHandle) {
        static final Optional<Core> BINDINGS = load();

        int errno(MemorySegment state) {
            return (int) errnoHandle.get(state, 0L);
        }

        static Optional<Core> load() {
            if (!platformAllows()) {
                return Optional.empty();
            }
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                StructLayout callState = Linker.Option.captureStateLayout();
                VarHandle errnoHandle = callState.varHandle(MemoryLayout.PathElement.groupElement("errno"));
                MethodHandle open = linker.downcallHandle(libc.findOrThrow("open"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_INT),
                        errno, Linker.Option.firstVariadicArg(2));
                MethodHandle close = linker.downcallHandle(libc.findOrThrow("close"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errno);
                return Optional.of(new Core(open, close, callState, errnoHandle));
            } catch (Throwable t) {
                // A libc without one of the symbols, or a linker that refuses: run on the fallbacks.
                return Optional.empty();
            }
        }

        /**
         * Binds libc's {@code name}, capturing {@code errno} if asked; empty if the core calls are not bound or the
         * symbol or linker fails (the caller then uses its fallback).
         */
        static Optional<MethodHandle> bindOptional(String name, FunctionDescriptor descriptor, boolean captureErrno) {
            if (BINDINGS.isEmpty()) {
                return Optional.empty();
            }
            try {
                Linker linker = Linker.nativeLinker();
                return linker.defaultLookup().find(name).map(sym -> captureErrno
                        ? linker.downcallHandle(sym, descriptor, Linker.Option.captureCallState("errno"))
                        : linker.downcallHandle(sym, descriptor));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }
    }

    /** Names for the error numbers these calls report (Linux values), so messages say what happened. */
    private static final class Errno {
        private Errno() {
        }

        static String describe(int errno) {
            String name = switch (errno) {
                case 1 -> "EPERM (operation not permitted)";
                case 2 -> "ENOENT (no such file or directory)";
                case 4 -> "EINTR (interrupted)";
                case 5 -> "EIO (input/output error)";
                case 9 -> "EBADF (bad file descriptor)";
                case 12 -> "ENOMEM (out of memory)";
                case 13 -> "EACCES (permission denied)";
                case 19 -> "ENODEV (not a regular file)";
                case 22 -> "EINVAL (invalid argument)";
                case 27 -> "EFBIG (file too large)";
                case 28 -> "ENOSPC (no space left on device)";
                case 29 -> "ESPIPE (not a file)";
                case 30 -> "EROFS (read-only file system)";
                case 95 -> "EOPNOTSUPP (not supported by the file system)";
                case 122 -> "EDQUOT (disk quota exceeded)";
                default -> "error";
            };
            return name + " [errno " + errno + "]";
        }
    }
}
