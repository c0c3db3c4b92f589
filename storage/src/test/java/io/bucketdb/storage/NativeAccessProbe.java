package io.bucketdb.storage;

import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link NativeAccessOffTest}: allocates through {@link FileDurableIO} and prints what
 * happened, so the test can check the run without native access.
 */
final class NativeAccessProbe {

    private NativeAccessProbe() {
    }

    public static void main(String[] args) throws IOException {
        try (DurableFile f = FileDurableIO.INSTANCE.open(Path.of(args[0]), DurableIO.Mode.CREATE_NEW)) {
            f.allocate(65536);
            // The mappings' advice (MADV_RANDOM) is skipped without native access; the bytes go through as before.
            try (Arena arena = Arena.ofConfined(); AppendWindow w = f.mapAppendWindow(0, 4096)) {
                MemorySegment table = f.map(FileChannel.MapMode.PRIVATE, 4096, 61440, arena);
                table.set(ValueLayout.JAVA_LONG, 8, 42);
                w.put(16, MemorySegment.ofArray(new long[] {7}), 0, 8);
                ByteBuffer journal = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
                f.read(16, journal);
                System.out.println("available=" + NativeFileOps.isAvailable() + " size=" + f.size() + " mapped="
                        + table.get(ValueLayout.JAVA_LONG, 8) + "," + journal.getLong(0));
            }
        }
    }
}
