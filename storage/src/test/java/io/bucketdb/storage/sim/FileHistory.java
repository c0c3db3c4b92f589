package io.bucketdb.storage.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
    /** The size of the real file now; a failed force does not change it. */
    private long size;
    /**
     * The holes of the real file now (start to end, disjoint, not adjacent): punched ranges that take no space
     * until a write fills them again. Only the space limit looks at them; crash images see a punch as zeros.
     */
    private final TreeMap<Long, Long> holes = new TreeMap<>();
    /** Bytes in {@link #holes}. */
    private long holeBytes;

    FileHistory(PageImage durable) {
        this.durable = durable;
        this.size = durable.size();
    }

    /** The size of the real file now (not of any crash image). */
    long size() {
        return size;
    }

    /** The bytes the real file takes on the disk now, which the space limit counts: its size less its holes. */
    long allocatedBytes() {
        return size - holeBytes;
    }

    /**
     * How far a write of {@code [from, to)} may go with {@code budget} bytes of space left: {@code to} if the bytes
     * it must allocate (those in holes and past the end) fit, else the last sector boundary up to which they fit,
     * but never before {@code from}. Bytes overwritten where the file has blocks cost nothing.
     */
    long fit(long from, long to, long budget) {
        long pos = from;
        while (pos < to) {
            long costStart;
            long costEnd;
            if (pos >= size) {
                costStart = pos;
                costEnd = to;
            } else {
                Map.Entry<Long, Long> hole = holes.floorEntry(pos);
                if (hole == null || hole.getValue() <= pos) {
                    hole = holes.higherEntry(pos);
                }
                if (hole != null && hole.getKey() < Math.min(to, size)) {
                    costStart = Math.max(pos, hole.getKey());
                    costEnd = Math.min(to, hole.getValue());
                } else {
                    costStart = size;
                    costEnd = to;
                }
            }
            if (costStart >= to) {
                return to;
            }
            long cost = costEnd - costStart;
            if (cost > budget) {
                long end = (costStart + budget) / SECTOR_SIZE * SECTOR_SIZE;
                return Math.max(from, end);
            }
            budget -= cost;
            pos = costEnd;
        }
        return to;
    }

    void recordWrite(long position, byte[] bytes) {
        unforced.add(new Write(position, bytes));
        fill(position, position + bytes.length);
        size = Math.max(size, position + bytes.length);
    }

    /**
     * A punched hole: zeros over {@code [position, position + length)} (within the file), the size kept; written in
     * sector-sized pieces for crash images, and no longer counted against the space limit.
     */
    void recordZeros(long position, long length) {
        byte[] zeros = new byte[(int) Math.min(length, 1 << 20)];
        for (long at = position; at < position + length; at += zeros.length) {
            int n = (int) Math.min(zeros.length, position + length - at);
            unforced.add(new Write(at, n == zeros.length ? zeros : new byte[n]));
        }
        long end = Math.min(size, position + length);
        if (end > position) {
            fill(position, end);
            long start = position;
            Map.Entry<Long, Long> before = holes.lowerEntry(start);
            if (before != null && before.getValue() == start) {
                start = before.getKey();
                holes.remove(start);
                holeBytes -= position - start;
            }
            Long after = holes.get(end);
            if (after != null) {
                holes.remove(end);
                holeBytes -= after - end;
                end = after;
            }
            holes.put(start, end);
            holeBytes += end - start;
        }
    }

    /** Removes {@code [from, to)} from the holes: written bytes take space again. */
    private void fill(long from, long to) {
        if (holes.isEmpty()) {
            return;
        }
        Map.Entry<Long, Long> e = holes.lowerEntry(to);
        while (e != null && e.getValue() > from) {
            long start = e.getKey();
            long end = e.getValue();
            holes.remove(start);
            holeBytes -= end - start;
            if (start < from) {
                holes.put(start, from);
                holeBytes += from - start;
            }
            if (end > to) {
                holes.put(to, end);
                holeBytes += end - to;
            }
            e = holes.lowerEntry(Math.min(start, to));
        }
    }

    void recordAllocate(long newSize) {
        unforced.add(new Allocate(newSize));
        size = Math.max(size, newSize);
    }

    void recordTruncate(long newSize) {
        unforced.add(new Truncate(newSize));
        if (newSize < size) {
            fill(newSize, size);
        }
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
     * What a successful force of the mapped range {@code [from, to)} makes durable ({@code msync}, which Linux completes as
     * an {@code fdatasync} of the range): the unforced writes' bytes inside the range, and every size change (the
     * metadata a later read of the data needs, which the journal commit carries with it). Bytes outside the range stay
     * unforced, in their order; a size change that becomes durable cuts the unforced bytes before it that lie past the
     * new size, as a truncation drops them from the page cache.
     */
    void forceRange(long from, long to) {
        List<Unforced> rest = new ArrayList<>();
        for (Unforced op : unforced) {
            switch (op) {
                case Write w -> {
                    long end = w.position() + w.bytes().length;
                    long inFrom = Math.max(from, w.position());
                    long inTo = Math.min(to, end);
                    if (inFrom >= inTo) {
                        rest.add(w);
                        continue;
                    }
                    durable.write(inFrom, w.bytes(), (int) (inFrom - w.position()), (int) (inTo - inFrom));
                    if (w.position() < inFrom) {
                        rest.add(w.piece(w.position(), inFrom));
                    }
                    if (inTo < end) {
                        rest.add(w.piece(inTo, end));
                    }
                }
                case Allocate a -> a.applyTo(durable);
                case Truncate t -> {
                    t.applyTo(durable);
                    rest.replaceAll(r -> r instanceof Write w && w.position() + w.bytes().length > t.newSize()
                            ? w.piece(w.position(), Math.max(w.position(), t.newSize())) : r);
                    rest.removeIf(r -> r instanceof Write w && w.bytes().length == 0);
                }
            }
        }
        unforced.clear();
        unforced.addAll(rest);
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
        /** The bytes of this write at file offsets {@code [from, to)}, within it. */
        Write piece(long from, long to) {
            return new Write(from, Arrays.copyOfRange(bytes, (int) (from - position), (int) (to - position)));
        }

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
