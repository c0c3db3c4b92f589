package io.bucketdb.streams;

import io.bucketdb.Options;
import io.bucketdb.spi.AppendWindow;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The store's own files (its staging directory and the IQ position file) change only through the {@link DurableIO}
 * of the store's options, as the index's files do, so a crash-testing or fault-injecting I/O sees all of it.
 */
class StoreDurableIOTest {
    @TempDir
    Path stateDir;

    /** Forwards to the default I/O, logs each directory operation and force by file name, and can fail one force. */
    private static final class RecordingIO implements DurableIO {
        final DurableIO real = Options.defaults().durableIO();
        final List<String> log = new CopyOnWriteArrayList<>();
        volatile String failForceOf;

        @Override
        public DurableFile open(Path file, Mode mode) throws IOException {
            DurableFile f = real.open(file, mode);
            return new DurableFile() {
                public Path path() { return f.path(); }
                public long size() throws IOException { return f.size(); }
                public void read(long position, ByteBuffer dst) throws IOException { f.read(position, dst); }
                public void write(long position, ByteBuffer src) throws IOException { f.write(position, src); }
                public void allocate(long newSize) throws IOException { f.allocate(newSize); }
                public boolean punchHole(long position, long length) throws IOException { return f.punchHole(position, length); }
                public boolean canPunchHoles() { return f.canPunchHoles(); }
                public void truncate(long newSize) throws IOException { f.truncate(newSize); }
                public AppendWindow mapAppendWindow(long position, long size) throws IOException { return f.mapAppendWindow(position, size); }
                public void close() throws IOException { f.close(); }

                public void force() throws IOException {
                    String name = file.getFileName().toString();
                    if (name.equals(failForceOf)) {
                        throw new IOException("injected: fsync of " + name + " failed");
                    }
                    log.add("force " + name);
                    f.force();
                }

                public MemorySegment map(FileChannel.MapMode m, long position, long size, Arena arena) throws IOException {
                    return f.map(m, position, size, arena);
                }
            };
        }

        @Override
        public void createDirectories(Path dir) throws IOException {
            log.add("mkdir " + dir.getFileName());
            real.createDirectories(dir);
        }

        @Override
        public void rename(Path source, Path target) throws IOException {
            log.add("rename " + source.getFileName() + " " + target.getFileName());
            real.rename(source, target);
        }

        @Override
        public void delete(Path file) throws IOException {
            log.add("delete " + file.getFileName());
            real.delete(file);
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            log.add("sync " + dir.getFileName());
            real.syncDirectory(dir);
        }
    }

    private KeyValueStore<Bytes, byte[]> open(RecordingIO io, TestStoreContext context) {
        KeyValueStore<Bytes, byte[]> store = BucketDBStores.keyValueStore("store",
                BucketDBStores.defaultOptions().withDurableIO(io)).get();
        store.init(context, store);
        return store;
    }

    @Test
    void aNewStoreIsStagedRenamedAndSyncedThroughTheStoresIO() {
        RecordingIO io = new RecordingIO();
        KeyValueStore<Bytes, byte[]> store = open(io, new TestStoreContext(stateDir, 0));
        store.close();
        List<String> log = io.log;
        int mkdir = log.indexOf("mkdir store.creating");
        int rename = log.indexOf("rename store.creating store");
        assertTrue(mkdir >= 0 && rename > mkdir, "staging created, then renamed into place: " + log);
        assertEquals(List.of("sync bucketdb", "sync " + stateDir.getFileName()), log.subList(rename + 1, rename + 3),
                "the rename and the new bucketdb folder are made durable: " + log);
        assertTrue(Files.isDirectory(stateDir.resolve("bucketdb").resolve("store")));
    }

    @Test
    void thePositionFileIsWrittenForcedRenamedAndSyncedThroughTheStoresIO() {
        RecordingIO io = new RecordingIO();
        TestStoreContext context = new TestStoreContext(stateDir, 3);
        KeyValueStore<Bytes, byte[]> store = open(io, context);
        context.processing("input", 3, 7);
        store.put(Bytes.wrap(new byte[]{1}), new byte[]{1});
        io.log.clear();
        store.close();
        List<String> log = io.log;
        int force = log.indexOf("force store.position.tmp");
        int rename = log.indexOf("rename store.position.tmp store.position");
        int sync = log.lastIndexOf("sync bucketdb");
        assertTrue(force >= 0 && rename > force && sync > rename, "write aside, force, rename, sync: " + log);

        KeyValueStore<Bytes, byte[]> again = open(new RecordingIO(), new TestStoreContext(stateDir, 3));
        assertEquals(Position.emptyPosition().withComponent("input", 3, 7L), again.getPosition());
        again.close();
    }

    @Test
    void aFailedForceOfThePositionFileFailsTheCloseAndKeepsTheLastSavedPosition() throws IOException {
        RecordingIO io = new RecordingIO();
        TestStoreContext context = new TestStoreContext(stateDir, 3);
        KeyValueStore<Bytes, byte[]> store = open(io, context);
        context.processing("input", 3, 5);
        store.put(Bytes.wrap(new byte[]{1}), new byte[]{1});
        store.flush();
        context.commitCallback.onCommit(); // saves position 5
        context.processing("input", 3, 6);
        store.put(Bytes.wrap(new byte[]{2}), new byte[]{2});
        io.log.clear();
        io.failForceOf = "store.position.tmp";
        ProcessorStateException e = assertThrows(ProcessorStateException.class, store::close);
        assertTrue(e.getMessage().contains("injected: fsync of store.position.tmp failed"), e.getMessage());
        assertFalse(io.log.contains("rename store.position.tmp store.position"), "a file that was not forced is not renamed in");

        KeyValueStore<Bytes, byte[]> again = open(new RecordingIO(), new TestStoreContext(stateDir, 3));
        assertEquals(Position.emptyPosition().withComponent("input", 3, 5L), again.getPosition(),
                "the position saved before the failed close, never one the disk may not hold");
        assertArrayEquals(new byte[]{2}, again.get(Bytes.wrap(new byte[]{2})), "the index itself closed cleanly first");
        again.close();
    }
}
