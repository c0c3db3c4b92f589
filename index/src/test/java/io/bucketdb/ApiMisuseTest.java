package io.bucketdb;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.ForwardingDurableFile;
import io.bucketdb.storage.ForwardingDurableIO;
import io.bucketdb.storage.IndexFileNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a caller who misuses the API, or runs it where the files cannot be written, is told: a clear error that
 * changes nothing, and an index that goes on working. The timeout is a hang guard, not a speed assertion.
 */
@Timeout(120)
class ApiMisuseTest {
    @TempDir
    Path tmp;

    @Test
    void aBulkLoadRefusesAnotherThreadBeforeItBuffersAnything() throws Exception {
        try (BucketDB db = BucketDB.open(tmp.resolve("bulk"), Options.defaults().withDurability(Durability.ASYNC))) {
            BulkLoad load = db.bulkLoad(16);
            load.putLong(1, 1);
            List<Throwable> refused = new ArrayList<>();
            Thread other = new Thread(() -> {
                for (Runnable call : List.<Runnable>of(() -> load.putLong(9, 9), () -> load.put(new byte[8], new byte[8]),
                        () -> load.putAll(new byte[][]{new byte[8]}, new byte[][]{new byte[8]}, 0, 1),
                        () -> load.putAllLong(new long[]{9}, new long[]{9}, 0, 1))) {
                    try {
                        call.run();
                    } catch (Throwable t) {
                        refused.add(t);
                    }
                }
            }, "other");
            other.start();
            other.join();
            assertEquals(4, refused.size(), "every call from another thread is refused: " + refused);
            for (Throwable t : refused) {
                assertInstanceOf(IllegalStateException.class, t);
                assertTrue(t.getMessage().contains("the thread that made it"), t.getMessage());
            }
            assertEquals(1, load.buffered(), "the other thread buffered nothing");
            load.close();
            assertEquals(1, db.getLong(1, -1));
            assertFalse(db.containsLong(9));
            assertFalse(db.containsLong(0));
            assertEquals(1, db.size());
        }
    }

    @Test
    void everyEntryPointRefusesAWrongWidthNamingItAndChangesNothing() throws IOException {
        Path dir = tmp.resolve("widths");
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withKeyWidth(16).withValueWidth(8))) {
            byte[] key = new byte[16];
            byte[] value = new byte[8];
            db.put(key, value);
            byte[] shortKey = new byte[15];
            byte[] longValue = new byte[9];
            // Each call, and what its message must say.
            Map<String, Map.Entry<String, Runnable>> calls = new TreeMap<>();
            calls.put("get", Map.entry("key must be 16 bytes", () -> db.get(shortKey)));
            calls.put("contains", Map.entry("key must be 16 bytes", () -> db.contains(shortKey)));
            calls.put("get into a segment", Map.entry("key must be 16 bytes", () -> db.get(shortKey, MemorySegment.ofArray(new byte[8]))));
            calls.put("get into a buffer", Map.entry("key must be 16 bytes", () -> db.get(shortKey, ByteBuffer.allocate(8))));
            calls.put("get with a reader", Map.entry("key must be 16 bytes", () -> db.get(shortKey, (Function<MemorySegment, Object>) s -> s)));
            calls.put("put key", Map.entry("key must be 16 bytes", () -> db.put(shortKey, value)));
            calls.put("put value", Map.entry("value must be 8 bytes", () -> db.put(key, longValue)));
            calls.put("putAsync key", Map.entry("key must be 16 bytes", () -> db.putAsync(shortKey, value)));
            calls.put("putAsync value", Map.entry("value must be 8 bytes", () -> db.putAsync(key, longValue)));
            calls.put("delete", Map.entry("key must be 16 bytes", () -> db.delete(shortKey)));
            calls.put("deleteAsync", Map.entry("key must be 16 bytes", () -> db.deleteAsync(shortKey)));
            calls.put("write", Map.entry("value must be 8 bytes", () -> db.write(new WriteBatch().delete(key).put(key, longValue))));
            calls.put("writeAsync", Map.entry("key must be 16 bytes", () -> db.writeAsync(new WriteBatch().delete(key).delete(shortKey))));
            calls.put("getLong", Map.entry("8-byte keys and values", () -> db.getLong(1, 0)));
            calls.put("containsLong", Map.entry("8-byte keys and values", () -> db.containsLong(1)));
            calls.put("putLong", Map.entry("8-byte keys and values", () -> db.putLong(1, 1)));
            calls.put("putLongAsync", Map.entry("8-byte keys and values", () -> db.putLongAsync(1, 1)));
            calls.put("deleteLong", Map.entry("8-byte keys and values", () -> db.deleteLong(1)));
            calls.put("deleteLongAsync", Map.entry("8-byte keys and values", () -> db.deleteLongAsync(1)));
            calls.put("write putLong", Map.entry("8-byte keys and values", () -> db.write(new WriteBatch().delete(key).putLong(1, 1))));
            calls.put("asMap", Map.entry("8 bytes wide but index " + dir + " has 16-byte keys", () -> db.asMap(Codec.LONG, Codec.LONG)));
            calls.put("bulk put", Map.entry("key must be 16 bytes", () -> {
                try (BulkLoad load = db.bulkLoad(4)) {
                    load.put(shortKey, value);
                }
            }));
            calls.put("bulk putAll", Map.entry("entry 1: value must be 8 bytes", () -> {
                try (BulkLoad load = db.bulkLoad(4)) {
                    load.putAll(new byte[][]{key, key}, new byte[][]{value, longValue}, 0, 2);
                }
            }));
            calls.put("bulk putLong", Map.entry("8-byte keys and values", () -> {
                try (BulkLoad load = db.bulkLoad(4)) {
                    load.putLong(1, 1);
                }
            }));
            long lsn = db.lsn();
            for (var call : calls.entrySet()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call.getValue().getValue()::run, call.getKey());
                assertTrue(e.getMessage().contains(call.getValue().getKey()), call.getKey() + ": " + e.getMessage());
                assertEquals(lsn, db.lsn(), call.getKey() + ": nothing was journaled");
                assertEquals(1, db.size(), call.getKey());
                assertArrayEquals(value, db.get(key), call.getKey() + ": the entry is untouched");
            }
            byte[] other = new byte[16];
            other[0] = 1;
            assertTrue(db.put(other, value), "still writable");
            assertEquals(2, db.size());
        }
    }

    @Test
    void nullArgumentsAreNamed() throws IOException {
        try (BucketDB db = BucketDB.open(tmp.resolve("nulls"))) {
            db.putLong(0, 1);
            byte[] zero = new byte[8];
            // Each call, and the argument its message must name.
            Map<String, Runnable> calls = new TreeMap<>(Map.of(
                    "get(key=null)", () -> db.get((byte[]) null),
                    "contains(key=null)", () -> db.contains(null),
                    "get(key=null, segment)", () -> db.get(null, MemorySegment.ofArray(new byte[8])),
                    "get(key=null, reader)", () -> db.get(null, (Function<MemorySegment, Object>) s -> s),
                    "get(key, dst=(MemorySegment) null)", () -> db.get(zero, (MemorySegment) null),
                    "get(key, dst=(ByteBuffer) null)", () -> db.get(zero, (ByteBuffer) null),
                    "get(key, dst=(byte[]) null)", () -> db.get(zero, (byte[]) null)));
            for (var call : calls.entrySet()) {
                NullPointerException e = assertThrows(NullPointerException.class, call.getValue()::run, call.getKey());
                String named = call.getKey().contains("dst=") ? "dst" : "key";
                assertNotNull(e.getMessage(), call.getKey() + " names nothing");
                assertTrue(e.getMessage().contains(named), call.getKey() + ": " + e.getMessage());
            }
            assertEquals(1, db.getLong(0, -1), "still usable");
        }
    }

    @Test
    void closeFromTwoThreadsAtOnceClosesOnceAndCleanly() throws Exception {
        for (int round = 0; round < 10; round++) {
            Path dir = tmp.resolve("close-" + round);
            BucketDB db = BucketDB.open(dir, Options.defaults().withDurability(Durability.ASYNC));
            List<CompletableFuture<Boolean>> writes = new ArrayList<>();
            for (long k = 0; k < 2_000; k++) {
                writes.add(db.putLongAsync(k, k));
            }
            CyclicBarrier start = new CyclicBarrier(2);
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Runnable close = () -> {
                try {
                    start.await();
                    db.close();
                } catch (Throwable t) {
                    failed.compareAndSet(null, t);
                }
            };
            Thread a = new Thread(close);
            Thread b = new Thread(close);
            a.start();
            b.start();
            a.join();
            b.join();
            assertNull(failed.get(), "round " + round + ": both closes return without error");
            for (CompletableFuture<Boolean> w : writes) {
                assertTrue(w.isDone(), "round " + round + ": close returns after every published write is acknowledged");
            }
            assertThrows(IllegalStateException.class, () -> db.putLong(1, 1));
            try (BucketDB again = BucketDB.open(dir)) {
                assertFalse(again.recovery().needed(), "round " + round + ": a clean close: " + again.recovery());
                assertEquals(2_000, again.size());
            }
        }
    }

    @Test
    void onAReadOnlyOrForbiddenFileSystemTheWriterOpenFailsClearlyAndChangesNothing() throws IOException {
        Path clean = tmp.resolve("clean");
        try (BucketDB db = BucketDB.open(clean)) {
            for (long k = 0; k < 1_000; k++) {
                db.putLong(k, k);
            }
        }
        for (boolean forbidden : new boolean[]{false, true}) {
            Options denied = Options.defaults().withDurableIO(new DeniedWrites(forbidden));
            Map<String, byte[]> before = files(clean);
            IOException e = assertThrows(IOException.class, () -> BucketDB.open(clean, denied).close());
            Class<? extends IOException> expected = forbidden ? AccessDeniedException.class : FileSystemException.class;
            assertInstanceOf(expected, e);
            assertTrue(e.getMessage().contains(clean.toString()), e.getMessage());
            assertEquals(before.keySet(), files(clean).keySet());
            before.forEach((name, bytes) -> {
                try {
                    assertArrayEquals(bytes, Files.readAllBytes(clean.resolve(name)), name + " was changed by a refused open");
                } catch (IOException io) {
                    throw new AssertionError(io);
                }
            });
            try (BucketDB view = BucketDB.open(clean, denied.withReadOnly(true))) {
                assertEquals(1_000, view.size(), "a read-only view needs no write");
                assertEquals(999, view.getLong(999, -1));
            }
            Path fresh = tmp.resolve("fresh-" + forbidden);
            assertThrows(IOException.class, () -> BucketDB.open(fresh, denied).close());
            assertFalse(Files.exists(fresh.resolve(IndexFileNames.TABLE)));
        }
        try (BucketDB db = BucketDB.open(clean)) {
            db.putLong(1_000, 1);
            assertEquals(1_001, db.size(), "the refused opens released the lock and left the index as it was");
        }
    }

    @Test
    void optionsNoNewIndexCanHaveAreRefusedBeforeAnythingIsCreated() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Map<String, Options> impossible = Map.of(
                "8-byte values out of line", Options.defaults().withValuesOutOfLine(true),
                "fixed widths above the limits", Options.defaults().withKeyWidth(16).withMaxLengths(8, 8),
                "a bucket wider than the alignment unit", Options.defaults().withKeyWidth(4096).withValueWidth(4096).withValuesOutOfLine(false).withChunking(16, 16));
        for (var o : impossible.entrySet()) {
            Path fresh = tmp.resolve("fresh").resolve("idx");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BucketDB.open(fresh, o.getValue()).close(),
                    o.getKey());
            assertFalse(Files.exists(tmp.resolve("fresh")), o.getKey() + ": " + e.getMessage() + ", yet the directory was created");
            assertThrows(IllegalArgumentException.class, () -> BucketDB.open(empty, o.getValue()).close(), o.getKey());
            try (Stream<Path> left = Files.list(empty)) {
                assertEquals(List.of(), left.toList(), o.getKey() + ": files were created by a refused open");
            }
        }
    }

    private static final long CAP = 256L << 20;

    @Test
    void anExpectedEntryCountBeyondTheDisksRoomIsRefusedBeforeAnyOfItIsAllocated() throws IOException {
        long entries = 1L << 36; // a bucket array of 2^34 buckets of 144 bytes: 2.5 TB
        assumeTrue(Files.getFileStore(tmp).getUsableSpace() < (1L << 34) * 144, "a file system with room for 2.5 TB");
        Path dir = tmp.resolve("huge");
        // Never more than 256 MiB of a shared disk, should the check be gone: an open without it allocated until the
        // file system was full.
        DurableIO capped = new ForwardingDurableIO(FileDurableIO.INSTANCE) {
            @Override
            public DurableFile open(Path file, DurableIO.Mode mode) throws IOException {
                return new ForwardingDurableFile(super.open(file, mode)) {
                    @Override
                    public void allocate(long newSize) throws IOException {
                        if (newSize > CAP) {
                            throw new IOException(path() + ": no space left on device (this test allows " + CAP + " bytes)");
                        }
                        super.allocate(newSize);
                    }

                    @Override
                    public void write(long position, ByteBuffer src) throws IOException {
                        if (position + src.remaining() > CAP) {
                            throw new IOException(path() + ": no space left on device (this test allows " + CAP + " bytes)");
                        }
                        super.write(position, src);
                    }
                };
            }
        };
        Options huge = Options.defaults().withExpectedEntries(entries).withDurableIO(capped);
        IOException e = assertThrows(IOException.class, () -> BucketDB.open(dir, huge).close());
        assertTrue(e.getMessage().contains("Options.withExpectedEntries") && e.getMessage().contains("bytes free"), e.getMessage());
        try (Stream<Path> left = Files.list(dir)) {
            List<String> names = left.map(p -> p.getFileName().toString()).toList();
            assertFalse(names.contains(IndexFileNames.TABLE) || names.contains(IndexFileNames.TABLE_TEMP), "left " + names);
        }
        try (BucketDB db = BucketDB.open(dir, Options.defaults().withExpectedEntries(1_000).withDurableIO(capped))) {
            db.putLong(1, 1);
            assertEquals(1, db.size(), "a count that fits creates the index there");
        }
    }

    /**
     * What a read-only mount (EROFS) or files the process may not write (EACCES) do to every change: opening for
     * writing, creating, renaming and deleting fail as the JDK reports them on Linux; reads go through.
     */
    private static final class DeniedWrites extends ForwardingDurableIO {
        private final boolean forbidden;

        DeniedWrites(boolean forbidden) {
            super(FileDurableIO.INSTANCE);
            this.forbidden = forbidden;
        }

        private IOException denied(Path p) {
            return forbidden ? new AccessDeniedException(p.toString()) : new FileSystemException(p.toString(), null, "Read-only file system");
        }

        @Override
        public DurableFile open(Path file, DurableIO.Mode mode) throws IOException {
            if (mode != DurableIO.Mode.READ_ONLY) {
                throw denied(file);
            }
            return super.open(file, mode);
        }

        @Override
        public void createDirectories(Path dir) throws IOException {
            if (!Files.isDirectory(dir)) {
                throw denied(dir);
            }
        }

        @Override
        public void rename(Path source, Path target) throws IOException {
            throw denied(source);
        }

        @Override
        public void delete(Path file) throws IOException {
            throw denied(file);
        }
    }

    /** Every file of {@code dir} but the lock file (advisory, written around DurableIO), by name. */
    private static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                if (!p.getFileName().toString().equals(IndexFileNames.LOCK)) {
                    m.put(p.getFileName().toString(), Files.readAllBytes(p));
                }
            }
        }
        return m;
    }
}
