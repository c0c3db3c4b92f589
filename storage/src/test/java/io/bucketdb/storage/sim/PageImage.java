package io.bucketdb.storage.sim;

import io.bucketdb.spi.DurableFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The bytes of one file held in memory as a sparse map of 4 KiB pages: the durable image of a simulated
 * file, and the crash images built from it. Absent pages read as zero, as a hole or freshly allocated range
 * of a real file does. Invariant: stored bytes at or past {@link #size()} are zero, so growing the size
 * again exposes zeros, not stale bytes.
 */
final class PageImage {

    static final int PAGE_SIZE = 4096;
    private static final byte[] ZERO_PAGE = new byte[PAGE_SIZE];

    private final Map<Long, byte[]> pages;
    private long size;

    PageImage() {
        this.pages = new HashMap<>();
    }

    private PageImage(PageImage other) {
        this.pages = new HashMap<>(other.pages.size() * 2);
        other.pages.forEach((index, page) -> pages.put(index, page.clone()));
        this.size = other.size;
    }

    /** Reads all of {@code file}, keeping only pages that are not all zero. */
    static PageImage readFrom(DurableFile file) throws IOException {
        PageImage image = new PageImage();
        long size = file.size();
        ByteBuffer buffer = ByteBuffer.allocate(PAGE_SIZE);
        for (long at = 0; at < size; at += PAGE_SIZE) {
            buffer.clear().limit((int) Math.min(PAGE_SIZE, size - at));
            file.read(at, buffer);
            byte[] page = buffer.array();
            if (!Arrays.equals(page, 0, buffer.limit(), ZERO_PAGE, 0, buffer.limit())) {
                image.write(at, page, 0, buffer.limit());
            }
        }
        image.setSize(size);
        return image;
    }

    /** A deep copy. */
    PageImage copy() {
        return new PageImage(this);
    }

    long size() {
        return size;
    }

    /** Writes {@code length} bytes of {@code src} at {@code position}, growing the size to cover them. */
    void write(long position, byte[] src, int offset, int length) {
        int done = 0;
        while (done < length) {
            long at = position + done;
            long index = at / PAGE_SIZE;
            int inPage = (int) (at % PAGE_SIZE);
            int n = Math.min(length - done, PAGE_SIZE - inPage);
            System.arraycopy(src, offset + done, pages.computeIfAbsent(index, i -> new byte[PAGE_SIZE]), inPage, n);
            done += n;
        }
        size = Math.max(size, position + length);
    }

    /** Sets the size as {@code ftruncate} does: bytes past it are gone, bytes added read as zero. */
    void setSize(long newSize) {
        if (newSize < size) {
            long firstDropped = (newSize + PAGE_SIZE - 1) / PAGE_SIZE;
            pages.keySet().removeIf(index -> index >= firstDropped);
            byte[] last = pages.get(newSize / PAGE_SIZE);
            if (last != null) {
                Arrays.fill(last, (int) (newSize % PAGE_SIZE), PAGE_SIZE, (byte) 0);
            }
        }
        size = newSize;
    }

    /** The byte at {@code position}, which must be below {@link #size()}. */
    byte get(long position) {
        byte[] page = pages.get(position / PAGE_SIZE);
        return page == null ? 0 : page[(int) (position % PAGE_SIZE)];
    }

    /** Writes this image into the empty {@code file}: allocates the size, then the pages that are not zero. */
    void writeTo(DurableFile file) throws IOException {
        file.allocate(size);
        for (Map.Entry<Long, byte[]> entry : new TreeMap<>(pages).entrySet()) {
            long at = entry.getKey() * PAGE_SIZE;
            if (at < size) {
                file.write(at, ByteBuffer.wrap(entry.getValue(), 0, (int) Math.min(PAGE_SIZE, size - at)));
            }
        }
    }
}
