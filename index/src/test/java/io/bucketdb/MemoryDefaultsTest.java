package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The checkpoint limits that follow the machine's memory, and how that memory is read. */
class MemoryDefaultsTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @TempDir
    Path tmp;

    @Test
    void theDirtyLimitIsASixteenthOfMemoryBetween256MiBAnd4GiB() {
        assertEquals(256 * MIB, MachineMemory.defaultDirtyLimit(2 * GIB), "small machines keep the floor");
        assertEquals(256 * MIB, MachineMemory.defaultDirtyLimit(4 * GIB));
        assertEquals(1536 * MIB, MachineMemory.defaultDirtyLimit(24 * GIB));
        assertEquals(4 * GIB, MachineMemory.defaultDirtyLimit(64 * GIB));
        assertEquals(4 * GIB, MachineMemory.defaultDirtyLimit(1024 * GIB), "large machines keep the ceiling");
    }

    @Test
    void thePrivateMemoryLimitIsAQuarterOfMemoryAndAtLeastTwiceTheDirtyLimit() {
        assertEquals(6 * GIB, MachineMemory.defaultPrivateMemoryLimit(24 * GIB));
        assertEquals(512 * MIB, MachineMemory.defaultPrivateMemoryLimit(1 * GIB), "twice the 256 MiB floor");
        for (long mem = 512 * MIB; mem <= 2048 * GIB; mem *= 2) {
            assertTrue(MachineMemory.defaultPrivateMemoryLimit(mem) >= 2 * MachineMemory.defaultDirtyLimit(mem), "memory " + mem);
        }
    }

    @Test
    void defaultsFollowThisMachine() {
        Options d = Options.defaults();
        assertEquals(MachineMemory.defaultDirtyLimit(MachineMemory.bytes()), d.dirtyLimitBytes());
        assertEquals(MachineMemory.defaultPrivateMemoryLimit(MachineMemory.bytes()), d.privateMemoryLimitBytes());
        assertTrue(MachineMemory.bytes() > 0);
    }

    @Test
    void memTotalIsReadInKibibytes() throws Exception {
        Path meminfo = tmp.resolve("meminfo");
        Files.writeString(meminfo, "MemTotal:       24682416 kB\nMemFree:         1000 kB\n");
        assertEquals(24682416L * 1024, MachineMemory.meminfoTotal(meminfo));
    }

    @Test
    void anUnreadableOrStrangeMeminfoGivesNoFigure() throws Exception {
        assertEquals(Long.MAX_VALUE, MachineMemory.meminfoTotal(tmp.resolve("absent")));
        Path odd = tmp.resolve("odd");
        Files.writeString(odd, "MemTotal: lots\n");
        assertEquals(Long.MAX_VALUE, MachineMemory.meminfoTotal(odd));
        Path none = tmp.resolve("none");
        Files.writeString(none, "MemFree: 12 kB\n");
        assertEquals(Long.MAX_VALUE, MachineMemory.meminfoTotal(none));
    }

    @Test
    void aCgroupLimitIsBytesAndMaxMeansNone() throws Exception {
        Path limit = tmp.resolve("memory.max");
        Files.writeString(limit, "2147483648\n");
        assertEquals(2 * GIB, MachineMemory.cgroupLimit(limit));
        Files.writeString(limit, "max\n");
        assertEquals(Long.MAX_VALUE, MachineMemory.cgroupLimit(limit));
        assertEquals(Long.MAX_VALUE, MachineMemory.cgroupLimit(tmp.resolve("absent")));
    }

    @Test
    void aNegativePrivateMemoryLimitIsRefusedAndZeroAccepted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Options.defaults().withPrivateMemoryLimit(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        assertEquals(0, Options.defaults().withPrivateMemoryLimit(0).privateMemoryLimitBytes());
        assertEquals(7 * MIB, Options.defaults().withPrivateMemoryLimit(7 * MIB).privateMemoryLimitBytes());
    }
}
