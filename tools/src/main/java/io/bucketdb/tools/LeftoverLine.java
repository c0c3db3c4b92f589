package io.bucketdb.tools;

import io.bucketdb.engine.StagingLeftovers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code stat} and {@code verify} say about a staging directory beside the index ({@code .DIR.bucketdb-new}):
 * its size and how it goes away, so the space a crashed build, import or compaction left is seen. Found by
 * {@link StagingLeftovers#find}, which writes nothing.
 */
final class LeftoverLine {
    private LeftoverLine() {
    }

    /**
     * Puts {@code stagingLeftover} (its path, or null), {@code stagingLeftoverBytes} (0 if none) and
     * {@code stagingLeftoverHolder} (who holds it, or null) into {@code m}.
     *
     * @param m   stat's numbers
     * @param dir the index directory
     * @throws IOException if the parent directory cannot be read
     */
    static void putInto(Map<String, Object> m, Path dir) throws IOException {
        Optional<StagingLeftovers.Leftover> l = StagingLeftovers.find(dir);
        m.put("stagingLeftover", l.map(x -> x.directory().toString()).orElse(null));
        m.put("stagingLeftoverBytes", l.map(StagingLeftovers.Leftover::bytes).orElse(0L));
        m.put("stagingLeftoverHolder", l.map(StagingLeftovers.Leftover::holder).orElse(null));
    }

    /**
     * The sentence for the staging directory beside {@code dir}, if there is one.
     *
     * @param dir the index directory
     * @return what is there and how it goes away; empty if there is no staging directory
     * @throws IOException if the parent directory cannot be read
     */
    static Optional<String> describe(Path dir) throws IOException {
        return StagingLeftovers.find(dir).map(l -> describe(dir.toString(), l.directory().toString(), l.bytes(), l.holder()));
    }

    static String describe(String dir, String staging, long bytes, String holder) {
        String what = staging + " (" + Text.bytes(bytes) + ")";
        if (holder != null) {
            return what + ": a build, import or compaction of " + dir + " is running in it (held by " + holder
                    + "); it goes away when that finishes";
        }
        return what + ": left by a build, import or compaction of " + dir + " that crashed; the next writable open of "
                + dir + " (or 'bucketdb recover " + dir + "') or its next build or compaction removes it";
    }
}
