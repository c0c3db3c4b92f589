package io.bucketdb.storage.sim;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * What the crash simulator's own tests share: crash images of the live directory, each into a new
 * numbered directory under the test's scratch folder, and the byte arrays the tests write.
 */
final class SimFixture {
    private final Path scratch;
    private final Path live;
    private int images;

    SimFixture(Path scratch, Path live) {
        this.scratch = scratch;
        this.live = live;
    }

    /** The crash image of the live directory that {@code mode} leaves, in a new directory. */
    Path imageOf(CrashSimulator sim, CrashMode mode) throws IOException {
        Path target = scratch.resolve("image-" + images++);
        sim.writeCrashImage(live, target, mode);
        return target;
    }

    /** The crash image of the live directory that {@code seed} draws, in a new directory. */
    Path imageOf(CrashSimulator sim, long seed) throws IOException {
        Path target = scratch.resolve("image-" + images++);
        sim.writeCrashImage(live, target, seed);
        return target;
    }

    static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] random(Random rnd, int length) {
        byte[] bytes = new byte[length];
        rnd.nextBytes(bytes);
        return bytes;
    }

    static byte[] filled(int length, byte value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, value);
        return bytes;
    }
}
