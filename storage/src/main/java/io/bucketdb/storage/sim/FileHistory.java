package io.bucketdb.storage.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * One simulated file (an inode: it keeps its history across renames): the durable image, which a power loss
 * cannot take away, and the operations since the last successful force, which a power loss may keep, drop
 * or tear. A force moves all of them into the durable image, as {@code fsync} does for the whole inode
 * whichever descriptor it is called on. A failed force drops them for good ({@link #forceFailed}), as Linux
 * does. Guarded by the simulator's lock.
 */
final class FileHistory {

    /** Disks write atomically per sector, never per byte: a torn write tears at these boundaries. */
    static final int SECTOR_SIZE = 512;

    private final PageImage durable;
    private final List<Unforced> unforced = new ArrayList<>();
    /** The size of the real file now, which the space limit counts; a failed force does not change it. */
    private long size;

    FileHistory(PageImage durable) {
        this.durable = durable;
        this.size = durable.size();
    }

    /** The size of the real file now (not of any crash image). */
    long size() {
        return size;
    }

    void recordWrite(long position, byte[] bytes) {
        unforced.add(new Write(position, bytes));
        size = Math.max(size, position + bytes.length);
    }

    /** A punched hole: zeros over {@code [position, position + length)}, the size kept; written in sector-sized pieces. */
    void recordZeros(long position, long length) {
        byte[] zeros = new byte[(int) Math.min(length, 1 << 20)];
        for (long at = position; at < position + length; at += zeros.length) {
            int n = (int) Math.min(zeros.length, position + length - at);
            unforced.add(new Write(at, n == zeros.length ? zeros : new byte[n]));
        }
    }

    void recordAllocate(long newSize) {
        unforced.add(new Allocate(newSize));
        size = Math.max(size, newSize);
    }

    void recordTruncate(long newSize) {
        unforced.add(new Truncate(newSize));
        size = newSize;
    }

    /**
     * What a failed {@code fsync} leaves on Linux: the kernel reports the write-back error once and marks the
     * pages clean, so the unforced changes are gone from every later crash image, and a later successful force
     * does not write them. The real file (the page cache) keeps them, so reads in the same boot still see them.
     * The model takes the worst case for code that trusts those bytes: none of them reached the disk.
     */
    void forceFailed() {
        unforced.clear();
    }

    /** Makes every recorded operation durable. */
    void force() {
        for (Unforced op : unforced) {
            op.applyTo(durable);
        }
        unforced.clear();
    }

    /**
     * The bytes a power loss now could leave: the durable image, then each unforced operation in order as
     * {@code chooser} decides. A torn write keeps some of its pieces, cut at absolute 512-byte sector
     * boundaries of the file; if it wrote past the end, the file grows to the end of the last piece kept.
     */
    PageImage crashImage(CrashChooser chooser) {
        PageImage image = durable.copy();
        for (Unforced op : unforced) {
            switch (op) {
                case Write w -> {
                    switch (chooser.writeFate()) {
                        case KEEP -> w.applyTo(image);
                        case DROP -> { }
                        case TEAR -> w.tearInto(image, chooser);
                    }
                }
                case Allocate a -> {
                    if (chooser.keep()) {
                        a.applyTo(image);
                    }
                }
                case Truncate t -> {
                    if (chooser.keep()) {
                        t.applyTo(image);
                    }
                }
            }
        }
        return image;
    }

    /** An operation on the file's bytes or size that no force has covered yet. */
    private sealed interface Unforced {
        void applyTo(PageImage image);
    }

    private record Write(long position, byte[] bytes) implements Unforced {
        @Override
        public void applyTo(PageImage image) {
            image.write(position, bytes, 0, bytes.length);
        }

        void tearInto(PageImage image, CrashChooser chooser) {
            long end = position + bytes.length;
            long at = position;
            while (at < end) {
                long pieceEnd = Math.min(end, (at / SECTOR_SIZE + 1) * SECTOR_SIZE);
                if (chooser.keepSector()) {
                    image.write(at, bytes, (int) (at - position), (int) (pieceEnd - at));
                }
                at = pieceEnd;
            }
        }
    }

    /** Growth with allocated zeros; never shrinks, as {@code allocate} does nothing for a larger file. */
    private record Allocate(long newSize) implements Unforced {
        @Override
        public void applyTo(PageImage image) {
            if (newSize > image.size()) {
                image.setSize(newSize);
            }
        }
    }

    /**
     * A new size, replayed as {@code ftruncate} sets it: exactly {@code newSize}, even if an earlier growth
     * was lost and the file is now shorter.
     */
    private record Truncate(long newSize) implements Unforced {
        @Override
        public void applyTo(PageImage image) {
            image.setSize(newSize);
        }
    }
}
