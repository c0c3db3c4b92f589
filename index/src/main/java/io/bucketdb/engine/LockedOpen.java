package io.bucketdb.engine;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.nio.file.Path;

/**
 * Opens a {@link BucketDB} under a writer lock the engine already holds ({@link StagedIndex} keeps an index
 * locked across its close and a rename). {@code BucketDB}'s open with a held lock stays package-private, so
 * users never see {@link DirectoryLock}; {@code BucketDB} hands it over here when its class initializes (the
 * JDK's "shared secrets" pattern).
 */
public final class LockedOpen {
    /** {@code BucketDB.open(dir, options, held)}. */
    @FunctionalInterface
    public interface Opener {
        /**
         * Opens the index in {@code dir} under {@code held}.
         *
         * @param dir     the index directory
         * @param options how to open it
         * @param held    the writer lock of {@code dir} the caller holds, or null to take it
         * @return the open index
         * @throws IOException as {@link BucketDB#open(Path, Options)}
         */
        BucketDB open(Path dir, Options options, DirectoryLock held) throws IOException;
    }

    private static volatile Opener opener;

    private LockedOpen() {
    }

    /**
     * Called once, by {@code BucketDB}'s static initializer.
     *
     * @param o its open under a held lock
     */
    public static void register(Opener o) {
        if (opener != null) {
            throw new IllegalStateException("the opener is registered once, by BucketDB");
        }
        opener = o;
    }

    static BucketDB open(Path dir, Options options, DirectoryLock held) throws IOException {
        Opener o = opener;
        if (o == null) {
            try {
                MethodHandles.lookup().ensureInitialized(BucketDB.class); // runs the registration
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
            o = opener;
        }
        return o.open(dir, options, held);
    }
}
