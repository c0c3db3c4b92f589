package io.bucketdb.storage;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;

import java.io.IOException;
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
            System.out.println("available=" + NativeFileOps.isAvailable() + " size=" + f.size());
        }
    }
}
