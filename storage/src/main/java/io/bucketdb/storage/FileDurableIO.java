package io.bucketdb.storage;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@link DurableIO} on the real file system, over {@link FileChannel}. Stateless and thread-safe; use
 * {@link #INSTANCE}.
 *
 * <ul>
 *   <li>Files are created {@code rw-------} and directories {@code rwx------} where the file system has
 *       POSIX permissions, because an index holds its users' data (docs/FILE-FORMATS.md).</li>
 *   <li>{@link DurableFile#allocate} reserves blocks with {@code posix_fallocate} when {@link NativeFileOps}
 *       is available, else writes zeros in 1 MiB blocks; both make a full disk an {@code IOException}
 *       instead of a SIGBUS in a later mapping (docs/DESIGN.md, "Rules no change may break").</li>
 *   <li>{@link DurableFile#force} is {@code fsync}, including metadata, so size changes are durable too.</li>
 *   <li>{@link #syncDirectory} forces a read-only channel on the directory, which is {@code fsync} of the
 *       directory on Linux.</li>
 *   <li>An interrupt of a thread using a file neither fails the call nor closes the file for other threads; the
 *       thread keeps its interrupt status (see {@code FileDurableFile}).</li>
 * </ul>
 */
public final class FileDurableIO implements DurableIO {

    /** The shared instance; it uses {@code posix_fallocate} when native access is enabled. */
    public static final FileDurableIO INSTANCE = new FileDurableIO(true);

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final FileAttribute<?>[] FILE_ATTRIBUTES = ownerOnly("rw-------");
    private static final FileAttribute<?>[] DIRECTORY_ATTRIBUTES = ownerOnly("rwx------");

    private final boolean nativeAllocation;

    /**
     * @param nativeAllocation whether {@code allocate} may use {@code posix_fallocate}; {@code false} forces
     *                         the zero-writing fallback, which tests use to cover it on Linux
     */
    FileDurableIO(boolean nativeAllocation) {
        this.nativeAllocation = nativeAllocation;
    }

    @Override
    public DurableFile open(Path file, Mode mode) throws IOException {
        Set<StandardOpenOption> options = switch (mode) {
            case CREATE_NEW -> EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE_NEW);
            case CREATE_OR_OPEN -> EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE);
            case OPEN_EXISTING -> EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
            case READ_ONLY -> EnumSet.of(StandardOpenOption.READ);
        };
        FileChannel channel = FileChannel.open(file, options, FILE_ATTRIBUTES);
        int nativeFd = -1;
        try {
            if (mode != Mode.READ_ONLY && nativeAllocation) {
                nativeFd = NativeFileOps.openForAllocation(file);
            }
            return new FileDurableFile(file, channel, mode == Mode.READ_ONLY, nativeFd);
        } catch (IOException | RuntimeException e) {
            try {
                if (nativeFd >= 0) {
                    NativeFileOps.close(nativeFd, file);
                }
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        Files.createDirectories(dir, DIRECTORY_ATTRIBUTES);
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        // With the caller's interrupt status cleared, and again on a new channel if an interrupt closed this one
        // meanwhile: an interrupt must not fail a checkpoint or a segment roll (see FileDurableFile).
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
                    channel.force(true);
                    return;
                } catch (ClosedByInterruptException e) {
                    interrupted |= Thread.interrupted();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The attributes that create a file readable and writable by its owner only (0600), or none where the
     * default file system has no POSIX permissions. For files written outside this interface (the lock
     * file), so that every file of an index is created owner-only the same way.
     *
     * @return a fresh array of those attributes, to pass to {@code Files.createFile} or {@code FileChannel.open}
     */
    public static FileAttribute<?>[] ownerOnlyFile() {
        return FILE_ATTRIBUTES.clone();
    }

    private static FileAttribute<?>[] ownerOnly(String permissions) {
        if (!POSIX) {
            return new FileAttribute<?>[0];
        }
        Set<PosixFilePermission> set = PosixFilePermissions.fromString(permissions);
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(set)};
    }
}
