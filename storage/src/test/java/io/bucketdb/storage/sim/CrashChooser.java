package io.bucketdb.storage.sim;

import java.util.SplittableRandom;

/**
 * Decides, while one crash image is built, the fate of each operation that was not yet durable. Asked in a
 * fixed order, so the same seed reproduces the same image.
 */
sealed interface CrashChooser {

    /** What became of one unforced write. */
    enum Fate {
        /** Reached the disk whole. */
        KEEP,
        /** Did not reach the disk at all. */
        DROP,
        /** Reached the disk for some of its 512-byte sectors only ({@link #keepSector()} decides each). */
        TEAR
    }

    /** The fate of an unforced write. */
    Fate writeFate();

    /** For a torn write: whether this sector of it reached the disk. */
    boolean keepSector();

    /** Whether an unforced size change or an unsynced directory operation reached the disk. */
    boolean keep();

    static CrashChooser of(CrashMode mode) {
        return new Fixed(mode == CrashMode.KEEP_ALL);
    }

    /**
     * Choices drawn from {@link SplittableRandom}, which mixes the seed: the first outputs of {@code
     * java.util.Random} for neighbouring seeds are correlated (its first {@code nextBoolean()} is {@code true}
     * for every seed from 0 to 39), so a loop over seeds 0..n would never lose the first unsynced operation.
     */
    static CrashChooser of(long seed) {
        return new Seeded(new SplittableRandom(seed));
    }

    /** Keeps everything or drops everything. */
    record Fixed(boolean keepAll) implements CrashChooser {
        @Override
        public Fate writeFate() {
            return keepAll ? Fate.KEEP : Fate.DROP;
        }

        @Override
        public boolean keepSector() {
            return keepAll;
        }

        @Override
        public boolean keep() {
            return keepAll;
        }
    }

    /** Each fate equally likely, each sector of a torn write kept with probability one half. */
    record Seeded(SplittableRandom random) implements CrashChooser {
        private static final Fate[] FATES = Fate.values();

        @Override
        public Fate writeFate() {
            return FATES[random.nextInt(FATES.length)];
        }

        @Override
        public boolean keepSector() {
            return random.nextBoolean();
        }

        @Override
        public boolean keep() {
            return random.nextBoolean();
        }
    }
}
