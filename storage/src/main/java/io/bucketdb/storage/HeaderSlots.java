package io.bucketdb.storage;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** What {@link TableFile}'s open does with the two header slots beyond reading them. */
final class HeaderSlots {
    private HeaderSlots() {
    }

    /**
     * Writes header slot {@code slot} again, as read, and forces the file: a writer's open builds on the header it picked,
     * and its first checkpoint overwrites the double-write batch of that header's checkpoint. The header may exist only
     * in the page cache (its force failed in an earlier life of this boot, and Linux then marks the page clean without
     * writing it), the pages it describes on disk: a power loss after that batch was overwritten and before the new
     * header is forced would leave those pages under the older header, with nothing left to finish them. Rewritten, the
     * page is dirty again and the force writes it; same bytes, so a torn rewrite of a header that is on disk changes
     * nothing, and one of a header that is not leaves its batch to finish it.
     */
    static void rewrite(DurableFile file, int slot) throws IOException {
        ByteBuffer image = ByteBuffer.allocate(HeaderLayout.SLOT_SIZE);
        file.read(HeaderLayout.slotOffset(slot), image);
        file.write(HeaderLayout.slotOffset(slot), image.flip());
        file.force();
    }

    /**
     * Whether a checkpoint newer than generation {@code generation} may have written pages into the table
     * file at {@code path}. Checkpoint {@code g} rewrites page checksum file {@code g % 2} and forces it
     * before the head of its double-write batch, so before any page goes in place (see
     * {@link PageChecksumsLayout}). So if the file checkpoint {@code generation + 1} would rewrite is absent
     * (creating it syncs the directory before that force) or still holds an older generation, no newer
     * checkpoint began, and a header slot claiming a newer generation was damaged at rest. A file that cannot
     * be read as such proves nothing: then a newer checkpoint may have begun.
     */
    static boolean newerCheckpointMayHaveBegun(DurableIO io, Path path, long generation) throws IOException {
        Path sums = PageChecksums.path(path.toAbsolutePath().getParent(), generation + 1);
        if (!java.nio.file.Files.exists(sums)) {
            return false;
        }
        try (DurableFile in = io.open(sums, DurableIO.Mode.READ_ONLY)) {
            if (in.size() < PageChecksumsLayout.SIZE) {
                return true;
            }
            ByteBuffer head = ByteBuffer.allocate(PageChecksumsLayout.SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            in.read(0, head);
            return head.getLong(PageChecksumsLayout.MAGIC_OFFSET) != PageChecksumsLayout.MAGIC
                    || head.getInt(PageChecksumsLayout.CHECKSUM_OFFSET) != PageChecksums.headerChecksum(head)
                    || head.getLong(PageChecksumsLayout.GENERATION_OFFSET) > generation;
        }
    }
}
