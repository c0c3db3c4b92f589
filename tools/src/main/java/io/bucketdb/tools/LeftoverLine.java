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
     * Puts {@code stagingLeftover} (its path, or null), {@code stagingLeftoverBytes} (0 if none),
     * {@code stagingLeftoverHolder} (who holds it, or null) and {@code stagingLeftoverRemovable} (whether the next
     * writable open removes it) into {@code m}.
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
        m.put("stagingLeftoverRemovable", l.map(StagingLeftovers.Leftover::removable).orElse(false));
    }

    /**
     * The sentence for the staging directory beside {@code dir}, if there is one.
     *
     * @param dir the index directory
     * @return what is there and how it goes away; empty if there is no staging directory
     * @throws IOException if the parent directory cannot be read
     */
    static Optional<String> describe(Path dir) throws IOException {
        return StagingLeftovers.find(dir).map(l -> describe(dir.toString(), l.directory().toString(), l.bytes(), l.holder(),
                l.removable()));
    }

    static String describe(String dir, String staging, long bytes, String holder, boolean removable) {
        String what = staging + " (" + Text.bytes(bytes) + ")";
        if (holder != null) {
            return what + ": a build, import or compaction of " + dir + " is running in it (held by " + holder
                    + "); it goes away when that finishes";
        }
        if (!removable) {
            // An index in DIR, here and in the retired directory: no compaction leaves that, so nothing guesses which to drop.
            return what + ": holds an index, as does " + dir + " and the old index of a compaction beside it, which no "
                    + "compaction leaves; neither an open nor a build removes them: keep the index you need and remove the others";
        }
        return what + ": left by a build, import or compaction of " + dir + " that crashed; the next writable open of "
                + dir + " (or 'bucketdb recover " + dir + "') or its next build or compaction removes it";
    }
}
