package io.bucketdb;

import io.bucketdb.recovery.Checkpointer;
import io.bucketdb.recovery.DamagePolicy;
import io.bucketdb.recovery.JournalReader;
import io.bucketdb.recovery.JournalWriter;
import io.bucketdb.recovery.ReplayReport;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.VarSlotLayout;
import io.bucketdb.storage.PageChecksums;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.VerifiedPages;
import io.bucketdb.pipeline.JournalStage;
import io.bucketdb.pipeline.PipelineConfig;
import io.bucketdb.pipeline.WriteEvent;
import io.bucketdb.pipeline.WritePipeline;
import io.bucketdb.recovery.JournalRecord;
import io.bucketdb.engine.DirectoryLock;
import io.bucketdb.engine.JournalSettings;
import io.bucketdb.engine.ReadOnlyView;
import io.bucketdb.engine.StagedIndex;
import io.bucketdb.inspect.Census;
import io.bucketdb.inspect.HeapUsage;
import io.bucketdb.inspect.StatsCollector;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.table.GrowthEvents;
import io.bucketdb.table.GrowthListener;
import io.bucketdb.table.GrowthMarkers;
import io.bucketdb.table.HashTable;
import io.bucketdb.table.JournalReplayer;
import io.bucketdb.table.TableScan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A persistent hash index: a key → value map in memory-mapped files.
 *
 * <pre>{@code
 * try (BucketDB db = BucketDB.open(Path.of("/data/idx"))) {   // 8-byte keys and values
 *     db.putLong(42, 4200);
 *     long v = db.getLong(42, -1);                             // 4200
 * }
 * }</pre>
 *
 * <p>An index is a directory holding the table file {@code table.bdb} and a lock file. One
 * process at a time may open it for writing; {@link Options#withReadOnly} opens a view without the lock that
 * holds every acknowledged write and catches up on {@link #refresh()}.
 * Reads ({@code get…}, {@code contains…}, {@link #cursor()}) run lock-free on the caller's thread;
 * writes are serialized on one writer.
 *
 * <p>Durability (DESIGN.md, section 3): every write is first a journal record; with
 * {@link Durability#SYNC} it is acknowledged (the call returns) only after the force that covers
 * it. The table file is mapped private and changes only at checkpoints (double-written), so a
 * crash or power loss at any moment leaves a checkpoint image plus a journal; open finishes an
 * interrupted checkpoint, replays the journal and reports what it did in {@link #recovery()}.
 *
 * <p>I/O failures surface as {@link UncheckedIOException} from the map-style methods, and after
 * one the index is read-only until reopened: nothing is acknowledged after a failed write or
 * force. Damage found in a file is an {@link io.bucketdb.spi.CorruptIndexException} (inside
 * an {@code UncheckedIOException} where unchecked).
 */
public final class BucketDB implements AutoCloseable, Iterable<Map.Entry<byte[], byte[]>> {
    private final Path dir;
    // Replaced by refresh() in a read-only view (taken anew after a checkpoint); never changed for a writer.
    private volatile TableFile file;
    private volatile HashTable table;
    /** Null unless opened read-only. */
    private final ReadOnlyView view;
    private final DirectoryLock lock;
    private final boolean cleanBeforeOpen;
    private final int keyWidth;
    private final int valueWidth;
    /** Serializes close() calls. */
    private final Object writeLock = new Object();
    private volatile boolean closed;

    // Durability. The journal, checkpointer and counters are used by the writer thread (the pipeline's),
    // and after close() has drained the pipeline, by the closing thread. Null journal: opened read-only.
    private final JournalWriter journal;
    private final Checkpointer checkpointer;
    private final Options options;
    private volatile Recovery recovery;
    private final ScheduledExecutorService timer;
    /** Null for a read-only open; otherwise every write and every writer task goes through it. */
    private final WritePipeline pipeline;
    private long journalBytesAtCheckpoint;
    private long lastCheckpointNanos = System.nanoTime();
    private long checkpoints;
    /** The checkpoint running on the checkpoint thread, and its outcome; null when none runs. */
    private Checkpointer.Checkpoint running;
    private CompletableFuture<Checkpointer.Result> runningResult;

    private BucketDB(Path dir, TableFile file, HashTable table, DirectoryLock lock, boolean cleanBeforeOpen,
                     JournalWriter journal, Checkpointer checkpointer, Options options, Recovery recovery) {
        this(dir, file, table, lock, cleanBeforeOpen, journal, checkpointer, options, recovery, null);
    }

    private BucketDB(Path dir, TableFile file, HashTable table, DirectoryLock lock, boolean cleanBeforeOpen,
                     JournalWriter journal, Checkpointer checkpointer, Options options, Recovery recovery, ReadOnlyView view) {
        this.dir = dir;
        this.view = view;
        this.file = file;
        this.table = table;
        this.lock = lock;
        this.cleanBeforeOpen = cleanBeforeOpen;
        this.keyWidth = table.keyWidth();
        this.valueWidth = table.valueWidth();
        this.journal = journal;
        this.checkpointer = checkpointer;
        this.options = options;
        this.recovery = recovery;
        if (journal != null) {
            PipelineConfig config = PipelineConfig.defaults()
                    .withRingSize(options.ringSize())
                    .withWaitStrategy(options.waitStrategy()::newDisruptorStrategy)
                    .withSync(options.durability() == Durability.SYNC)
                    .withPublishTimeoutNanos(options.publishTimeout() == null ? -1 : options.publishTimeout().toNanos());
            this.pipeline = new WritePipeline(table, new JournalAdapter(), config, this::afterBatch);
        } else {
            this.pipeline = null;
        }
        if (journal != null) {
            long tick = Math.max(1, Math.min(options.checkpointInterval().toMillis(),
                    options.durability() == Durability.ASYNC ? options.asyncForceInterval().toMillis() : 1000));
            this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "bucketdb-timer " + dir.getFileName());
                t.setDaemon(true);
                return t;
            });
            timer.scheduleWithFixedDelay(this::onTimer, tick, tick, TimeUnit.MILLISECONDS);
        } else {
            this.timer = null;
        }
    }

    /**
     * Who holds the writer lock of the index in {@code dir}, as its lock file names them ("pid N (started
     * T)"), or empty if no writer has it open. Reads only: tools use it to say that they read the last
     * checkpoint image of a live index. A writer that opens at the very moment of the probe may be refused
     * once, as by any other holder.
     *
     * @param dir the index directory
     * @return the lock holder, or empty
     * @throws IOException if the lock file exists but cannot be read
     */
    public static java.util.Optional<String> writerLockHolder(Path dir) throws IOException {
        return java.util.Optional.ofNullable(DirectoryLock.holder(dir));
    }

    /**
     * Opens or creates the index in {@code dir} with {@link Options#defaults()}: 8-byte keys and values.
     *
     * @param dir the index directory
     * @return the open index
     * @throws io.bucketdb.spi.CorruptIndexException if a file is damaged (naming file, offset and expectation)
     * @throws IOException if the index is locked by another writer, or on I/O failure
     */
    public static BucketDB open(Path dir) throws IOException {
        return open(dir, Options.defaults());
    }

    /**
     * Opens or creates the index in {@code dir}. Opening for writing recovers: it finishes a
     * checkpoint a crash interrupted, replays the journal after the last checkpoint through the
     * same code live writes use, and drops a torn journal tail; {@link #recovery()} says what it did.
     *
     * @throws io.bucketdb.spi.CorruptIndexException if a file is damaged (naming file, offset and expectation)
     * @throws IOException if the index is locked by another writer, or on I/O failure
     * @param dir the index directory
     * @param options how to open it
     * @return the open index
     */
    public static BucketDB open(Path dir, Options options) throws IOException {
        return open(dir, options, null);
    }

    /**
     * {@link #open(Path, Options)}, under a writer lock on {@code dir} that the caller holds (null:
     * take it here). The index then borrows the lock: closing it leaves the lock held
     * ({@link StagedIndex} keeps an index locked across its close and a rename). Internal: public only for
     * {@code io.bucketdb.engine}, whose types users cannot reach.
     *
     * @param dir the index directory
     * @param options how to open it
     * @param held the writer lock of {@code dir} the caller holds, or null
     * @return the open index
     * @throws IOException as {@link #open(Path, Options)}
     */
    public static BucketDB open(Path dir, Options options, DirectoryLock held) throws IOException {
        DurableIO io = options.durableIO();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a directory: an index is a directory");
        }
        Path tablePath = dir.resolve(IndexFileNames.TABLE);
        boolean exists = Files.exists(tablePath);
        if (!exists && !options.readOnly()) {
            // A compaction stopped between its two renames: the index is complete beside dir. Finish
            // the swap rather than create an empty index where it belongs.
            exists = StagedIndex.finishInterrupted(dir, io);
        }
        if (!exists && (options.readOnly() || !options.createIfMissing())) {
            throw new IOException("no index in " + dir + ": " + tablePath + " does not exist" + (StagedIndex.interrupted(dir)
                    ? "; a compaction was interrupted: open it for writing, or run 'bucketdb compact " + dir + "', to finish it" : ""));
        }
        if (!exists) {
            createDirectoriesDurably(io, dir);
        }
        DirectoryLock lock = options.readOnly() ? null : held != null ? held.borrowed() : DirectoryLock.acquire(dir);
        TableFile file = null;
        JournalWriter journal = null;
        Checkpointer checkpointer = null;
        try {
            if (options.readOnly()) {
                ReadOnlyView view = ReadOnlyView.open(dir, tablePath, io, JournalSettings.of(options), options.maxChunkShift(),
                        f -> checkWidths(dir, f, options), () -> DirectoryLock.holder(dir));
                ReadOnlyView.Image image = view.image();
                return new BucketDB(dir, image.file(), image.table(), null, image.file().header().cleanClose, null, null,
                        options, image.recovery(), view);
            }
            GrowthMarkers markers = new GrowthMarkers();
            GrowthEvents growthEvents = new GrowthEvents(markers);
            checkpointer = new Checkpointer(io, dir, options.privateMemoryLimitBytes());
            HashTable table;
            Recovery recovery;
            boolean clean;
            if (exists) {
                RecoveryEvent event = new RecoveryEvent();
                event.begin();
                Checkpointer.Pending pending = Checkpointer.finishPending(io, dir, tablePath);
                file = TableFile.open(io, tablePath, false, options.maxChunkShift());
                checkWidths(dir, file, options);
                boolean checksumsRebuilt = useChecksums(io, dir, file, checkpointer);
                table = HashTable.open(file, growthEvents);
                growthEvents.watch(table, file.header().b);
                long checkpointLsn = file.header().checkpointLsn;
                boolean closedCleanly = file.header().cleanClose;
                JournalReplayer replayer = new JournalReplayer(table, markers, dir);
                ReplayReport report = new JournalReader(io, dir, JournalSettings.of(options), !closedCleanly).replay(checkpointLsn,
                        options.truncateOnDamage() ? DamagePolicy.TRUNCATE : DamagePolicy.FAIL, replayer);
                recovery = new Recovery(pending.finished(), pending.pages(), replayer.applied(), replayer.markersChecked(),
                        report.tornBytes(), report.recordsDropped(), replayer.endedInsideBatch(), checkpointLsn,
                        Math.max(checkpointLsn, report.lastLsn()), checksumsRebuilt);
                clean = closedCleanly && !recovery.needed();
                journal = clean ? JournalWriter.open(io, dir, JournalSettings.of(options), checkpointLsn)
                        : endRecovery(io, dir, file, checkpointer, options, Math.max(checkpointLsn, report.lastLsn()));
                event.report(dir, recovery);
            } else {
                createTable(io, dir, tablePath, options, checkpointer);
                file = TableFile.open(io, tablePath, false, options.maxChunkShift());
                table = HashTable.open(file, growthEvents);
                growthEvents.watch(table, file.header().b);
                journal = JournalWriter.open(io, dir, JournalSettings.of(options), 0);
                recovery = new Recovery(false, 0, 0, 0, 0, 0, false, 0, 0, false);
                clean = true;
            }
            if (clean) {
                // From here on a crash leaves an index that was not closed cleanly, and it must say so durably
                // before the first write: an open then insists on the journal after the checkpoint instead of
                // taking a lost or unreadable journal for an empty one. Pages: none; the header flips.
                checkpointer.checkpoint(file, journal.lastLsn(), false);
            }
            markers.live(journal);
            return new BucketDB(dir, file, table, lock, clean, journal, checkpointer, options, recovery);
        } catch (IOException | RuntimeException e) {
            closeQuietly(journal, e);
            closeQuietly(checkpointer == null ? null : checkpointer::close, e);
            closeQuietly(file, e);
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
    }

    /**
     * Ends a recovery that had anything to do: the table as replay left it becomes a checkpoint at
     * {@code lastLsn}, the last LSN the journal holds (records of a batch the crash cut included: that
     * batch is dropped for good), and the journal starts over in a new segment after it. So no later life
     * replays across this crash: not the growth steps this replay took (their markers were lost with the
     * crash and are not journaled again), not a batch the crash cut (later records would be taken into it),
     * not a torn tail or a segment roll the crash interrupted, and no frame that was only ever in the page
     * cache because its force failed (Linux reports a failed write-back once and then serves the unwritten
     * pages as if they were on disk): the checkpoint writes what replay made of them durably, and nothing is
     * appended behind them. A crash during this leaves the journal as it was (the checkpoint is installed
     * before the new segment replaces the old ones), and the next open recovers again.
     */
    private static JournalWriter endRecovery(DurableIO io, Path dir, TableFile file, Checkpointer checkpointer,
                                             Options options, long lastLsn) throws IOException {
        checkpointer.checkpoint(file, lastLsn, false);
        return JournalWriter.openFresh(io, dir, JournalSettings.of(options), lastLsn);
    }

    /**
     * Creates {@code dir} and its missing parents, each made durable by a sync of its parent: a new directory's
     * entry is durable only then, and without it a power loss could take the whole new index away after its
     * first acknowledged writes. Internal: public only for {@code io.bucketdb.engine}.
     *
     * @param io the durable I/O that creates and syncs them
     * @param dir the directory to create
     * @throws IOException if a directory cannot be created or synced
     */
    public static void createDirectoriesDurably(DurableIO io, Path dir) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path p = dir.toAbsolutePath().normalize(); p != null && !Files.exists(p); p = p.getParent()) {
            missing.addFirst(p);
        }
        io.createDirectories(dir);
        for (Path created : missing) {
            io.syncDirectory(created.getParent());
        }
    }

    /**
     * Creates the empty table atomically: built and checkpointed under a temporary name, then renamed
     * into place and the directory synced, so a crash leaves either no table (the next open creates
     * one) or a complete one, never a table file without a valid header.
     */
    private static void createTable(DurableIO io, Path dir, Path tablePath, Options options, Checkpointer checkpointer)
            throws IOException {
        if ((!options.variableKeys() && options.keyWidth() > options.maxKeyLength())
                || (!options.variableValues() && options.valueWidth() > options.maxValueLength())) {
            throw new IllegalArgumentException("keys of " + options.keyWidth() + " bytes and values of " + options.valueWidth()
                    + " bytes exceed the limits of " + options.maxKeyLength() + " and " + options.maxValueLength()
                    + " bytes the options set (Options.withMaxLengths); nothing was created");
        }
        try (var journals = Files.list(dir)) {
            if (journals.anyMatch(p -> IndexFileNames.isJournal(p.getFileName().toString()))) {
                throw new IOException("index directory " + dir + " has journal segments but no " + IndexFileNames.TABLE
                        + ": restore the table file, or remove the journal segments to start an empty index");
            }
        }
        Path temp = dir.resolve(IndexFileNames.TABLE_TEMP);
        io.delete(temp);
        long seed = options.hashSeed() != null ? options.hashSeed() : new SecureRandom().nextLong();
        try (TableFile created = TableFile.create(io, temp, options.keySlotWidth(), options.valueSlotWidth(), options.tableFlags(),
                options.alignShift(), seed, options.maxChunkShift())) {
            HashTable.create(created, GrowthListener.NONE, options.expectedEntries());
            // The first checkpoint (LSN 0) makes the empty table durable before any journal exists; it is a
            // clean one, since there is nothing a journal would have to hold yet (open then marks it unclean
            // once the journal exists).
            checkpointer.checkpoint(created, 0, true);
        }
        io.rename(temp, tablePath);
        io.syncDirectory(dir);
    }

    /**
     * Hands the checkpointer the page checksums of the checkpoint {@code file} holds (after a pending
     * double-write batch was finished: its checksums were made durable before its head). A missing or
     * damaged checksum file is rebuilt from the pages as they are: the table can still be opened, only
     * the means to find damage it took before now is lost. Returns whether it was rebuilt.
     */
    private static boolean useChecksums(DurableIO io, Path dir, TableFile file, Checkpointer checkpointer) throws IOException {
        PageChecksums checksums;
        boolean rebuilt = false;
        try {
            checksums = PageChecksums.load(io, dir, file.header().generation);
        } catch (CorruptIndexException lost) {
            checksums = PageChecksums.rebuild(file);
            rebuilt = true;
        }
        checkpointer.useChecksums(checksums);
        file.verifyPages(rebuilt ? VerifiedPages.NONE : VerifiedPages.of(file, checksums, null, io));
        return rebuilt;
    }

    private static void checkWidths(Path dir, TableFile file, Options options) {
        Header h = file.header();
        if (options.widthsSet() && (h.keyWidth != options.keySlotWidth() || h.valueWidth != options.valueSlotWidth()
                || h.varKeys() != options.variableKeys() || h.varValues() != options.variableValues())) {
            throw new IllegalArgumentException("index " + dir + " stores " + describe(h.varKeys(), h.keyWidth, "keys") + " and "
                    + describe(h.varValues(), h.valueWidth, "values") + "; the options asked for "
                    + describe(options.variableKeys(), options.keySlotWidth(), "keys") + " and "
                    + describe(options.variableValues(), options.valueSlotWidth(), "values"));
        }
        if (options.hashSeed() != null && options.hashSeed() != h.hashSeed) {
            // The seed places every key: an index keeps the one it was created with. Said, not refused: options
            // shared by every open of an application's indexes must still open those created before the seed was set.
            System.getLogger(BucketDB.class.getName()).log(System.Logger.Level.WARNING, "index " + dir
                    + " keeps the hash seed it was created with; Options.withHashSeed applies only when an index is created");
        }
        // The journal refuses records beyond the limits: a fixed width above them could never be written.
        if ((!h.varKeys() && h.keyWidth > options.maxKeyLength()) || (!h.varValues() && h.valueWidth > options.maxValueLength())) {
            throw new IllegalArgumentException("index " + dir + " stores " + h.keyWidth + "-byte keys and " + h.valueWidth
                    + "-byte values, more than the limits of " + options.maxKeyLength() + " and " + options.maxValueLength()
                    + " bytes the options set (Options.withMaxLengths)");
        }
    }

    private static String describe(boolean variable, int slotWidth, String what) {
        return variable ? "variable-length " + what + " (" + VarSlotLayout.inlineWidth(slotWidth) + " bytes inline)"
                : slotWidth + "-byte " + what;
    }

    private static void closeQuietly(AutoCloseable c, Throwable into) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception suppressed) {
            into.addSuppressed(suppressed);
        }
    }

    /** {@return what opening this index had to do to recover (nothing after a clean close)} */
    public Recovery recovery() {
        return recovery;
    }

    /**
     * {@return the LSN of the last write this handle shows: for a writable index the last one written to the
     * journal (every acknowledged write is at or below it), for a read-only view the last one it replayed (the
     * checkpoint's LSN if it replayed none)}
     */
    public long lsn() {
        return journal != null ? journal.writtenLsn() : view.lsn();
    }

    /**
     * Catches a read-only view up with the writer: applies what the journal gained since the view was opened or last
     * refreshed, or, if the writer installed a checkpoint meanwhile, takes the view anew from it. Reads on other
     * threads go on meanwhile; each returns a value as of the previous refresh or later. Afterwards the view holds every
     * write acknowledged before this call began; {@link #lsn()} and {@link #recovery()} describe it.
     *
     * @return the number of journal records (puts, deletes, batch and growth markers) the view moved forward by
     * @throws IllegalStateException if the index is open for writing (it is always current) or closed
     * @throws io.bucketdb.spi.CorruptIndexException if the journal is damaged
     * @throws IOException if a file cannot be read
     */
    public long refresh() throws IOException {
        checkOpen();
        if (view == null) {
            throw new IllegalStateException("refresh() is for read-only views; index " + dir + " is open for writing and always current");
        }
        synchronized (view) {
            long moved = view.refresh();
            ReadOnlyView.Image image = view.image();
            file = image.file();
            table = image.table();
            recovery = image.recovery();
            return moved;
        }
    }

    /** {@return the durability mode writes are acknowledged in} */
    public Durability durability() {
        return options.durability();
    }

    /** {@return the index directory} */
    public Path directory() {
        return dir;
    }

    /** {@return the key width in bytes; for {@linkplain #variableKeys() variable-length keys}, the bytes of a key slot (inline width + 4)} */
    public int keyWidth() {
        return keyWidth;
    }

    /** {@return the value width in bytes; for {@linkplain #variableValues() variable-length values}, the bytes of a value slot (inline width + 4)} */
    public int valueWidth() {
        return valueWidth;
    }

    /** {@return the longest variable-length key this open accepts ({@link Options#withMaxLengths})} */
    public int maxKeyLength() {
        return options.maxKeyLength();
    }

    /** {@return the longest variable-length value this open accepts ({@link Options#withMaxLengths})} */
    public int maxValueLength() {
        return options.maxValueLength();
    }

    /** {@return whether keys are variable-length ({@link Options#withVariableKeys})} */
    public boolean variableKeys() {
        return table.varKeys();
    }

    /** {@return whether values are variable-length ({@link Options#withVariableValues})} */
    public boolean variableValues() {
        return table.varValues();
    }

    /** {@return the number of entries} */
    public long size() {
        checkOpen();
        return table.size();
    }

    // ---------------------------------------------------------------- long → long

    /**
     * The value of {@code key}, or {@code missing} if absent. 8-byte keys and values only; allocates nothing.
     *
     * @param key the key
     * @param missing what to return when {@code key} is absent
     * @return the value, or {@code missing}
     */
    public long getLong(long key, long missing) {
        checkOpen();
        requireLongWidths();
        return pipeline != null ? pipeline.getLong(key, missing) : table.getLong(key, missing);
    }

    /**
     * Whether {@code key} is present. 8-byte keys and values only; allocates nothing.
     *
     * @param key the key
     * @return whether it is present
     */
    public boolean containsLong(long key) {
        checkOpen();
        requireLongWidths();
        // Two probes with different defaults tell "absent" from a stored value equal to one of them,
        // inside one batch-gate section so they cannot straddle an atomic batch.
        if (pipeline == null) {
            return table.getLong(key, 0) != 0 || table.getLong(key, 1) != 1;
        }
        var gate = pipeline.batchGate();
        while (true) {
            long stamp = gate.readBegin();
            boolean present = table.getLong(key, 0) != 0 || table.getLong(key, 1) != 1;
            if (gate.readValidate(stamp)) {
                return present;
            }
        }
    }

    /**
     * Puts {@code key → value}; true if the key was new. 8-byte keys and values only; allocates nothing.
     *
     * @param key the key
     * @param value the value
     * @return true if the key was new
     */
    public boolean putLong(long key, long value) {
        requireLongWidths();
        checkWritable();
        try {
            return pipeline.putLong(key, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Publishes a put; the future completes (true if the key was new) once acknowledged per the durability mode.
     *
     * @param key the key
     * @param value the value
     * @return completes with true if the key was new, once the put is acknowledged
     */
    public CompletableFuture<Boolean> putLongAsync(long key, long value) {
        requireLongWidths();
        checkWritable();
        return pipeline.putLongAsync(key, value);
    }

    /**
     * Deletes {@code key}; true if it was present. 8-byte keys and values only; allocates nothing.
     *
     * @param key the key
     * @return true if it was present
     */
    public boolean deleteLong(long key) {
        requireLongWidths();
        checkWritable();
        try {
            return pipeline.deleteLong(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Publishes a delete; the future completes (true if the key was present) once acknowledged.
     *
     * @param key the key
     * @return completes with true if the key was present, once the delete is acknowledged
     */
    public CompletableFuture<Boolean> deleteLongAsync(long key) {
        requireLongWidths();
        checkWritable();
        return pipeline.deleteLongAsync(key);
    }

    // ---------------------------------------------------------------- byte[]

    /**
     * The value of {@code key} (a copy), or null if absent.
     *
     * @param key the key, {@link #keyWidth()} bytes
     * @return a copy of the value, or null
     */
    public byte[] get(byte[] key) {
        checkOpen();
        checkKey(key);
        if (table.varValues()) {
            // Length first, then a copy into an array of exactly that length: memory is allocated only for a
            // length that a validated read returned. If the value changed length in between, ask again.
            for (; ; ) {
                long n = get(key, MemorySegment.NULL);
                if (n < 0) {
                    return null;
                }
                byte[] out = new byte[(int) n];
                if (get(key, MemorySegment.ofArray(out)) == n) {
                    return out;
                }
            }
        }
        byte[] out = new byte[valueWidth];
        // The key's own length: with variable-length keys it is not the slot width.
        boolean found = pipeline != null ? pipeline.get(key, out)
                : table.get(MemorySegment.ofArray(key), 0, key.length, MemorySegment.ofArray(out), 0, valueWidth) >= 0;
        return found ? out : null;
    }

    /**
     * Copies the value of {@code key} into {@code dst} at offset 0 and returns its length, or
     * returns -1 if the key is absent. If the value is longer than {@code dst}, nothing is written
     * and its length is returned (so {@code result > dst.byteSize()} means: make room and call
     * again). Allocates nothing. Under concurrent writes the value copied is one that the key held
     * at some instant during the call; bytes of {@code dst} beyond the returned length are left as
     * they were.
     *
     * @param key the key
     * @param dst where the value goes
     * @return the value's length, or -1 if the key is absent
     */
    public long get(byte[] key, MemorySegment dst) {
        checkOpen();
        checkKey(key);
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("dst is read-only");
        }
        MemorySegment k = MemorySegment.ofArray(key);
        return pipeline != null ? pipeline.get(k, key.length, dst, dst.byteSize())
                : table.get(k, 0, key.length, dst, 0, dst.byteSize());
    }

    /**
     * Copies the value of {@code key} into {@code dst} at its position and advances the position
     * past it, returning the value's length; returns -1 if absent. If the value is longer than
     * {@code dst.remaining()}, nothing is written, the position stays, and the length is returned.
     *
     * @param key the key
     * @param dst where the value goes, from its position
     * @return the value's length, or -1 if the key is absent
     */
    public int get(byte[] key, ByteBuffer dst) {
        MemorySegment view = MemorySegment.ofBuffer(dst); // position..limit of dst
        int n = (int) get(key, view);
        if (n >= 0 && n <= dst.remaining()) {
            dst.position(dst.position() + n);
        }
        return n;
    }

    /**
     * {@link #get(byte[], MemorySegment)} into a byte array: nothing is written if the value does not fit.
     *
     * @param key the key
     * @param dst where the value goes, from index 0
     * @return the value's length, or -1 if the key is absent
     */
    public int get(byte[] key, byte[] dst) {
        return (int) get(key, MemorySegment.ofArray(dst));
    }

    /**
     * Passes a read-only view of the value of {@code key} to {@code reader} without copying it,
     * and returns what {@code reader} returns; returns null (without calling it) if the key is
     * absent.
     *
     * <p>The view is the index's own memory and is valid only while {@code reader} runs: keep
     * nothing that refers to it. A writer may change the entry at any time; if it did while
     * {@code reader} ran, the view may have shown a mix of old and new bytes, so that result is
     * dropped and {@code reader} is called again on the current value. {@code reader} may thus
     * run several times per call (rarely) and must not have side effects that repeating breaks;
     * the result returned always comes from a run that saw one consistent value. An exception
     * from {@code reader} propagates only if the entry did not change during that run. A large
     * heap value that happens to straddle two mapped chunks is copied first (the view is then a
     * copy, with the same guarantees).
     *
     * @param key    the key
     * @param reader reads the value's bytes; may run more than once
     * @param <R>    what {@code reader} returns
     * @return what {@code reader} returned for a consistent value, or null if the key is absent
     */
    public <R> R get(byte[] key, Function<? super MemorySegment, ? extends R> reader) {
        checkOpen();
        checkKey(key);
        return read(key, reader, null);
    }

    private <R> R read(byte[] key, Function<? super MemorySegment, ? extends R> reader, R missing) {
        MemorySegment k = MemorySegment.ofArray(key);
        return pipeline != null ? pipeline.read(k, key.length, reader, missing) : table.read(k, 0, key.length, reader, missing);
    }

    /**
     * Whether {@code key} is present.
     *
     * @param key the key, {@link #keyWidth()} bytes
     * @return whether it is present
     */
    public boolean contains(byte[] key) {
        return get(key) != null;
    }

    /**
     * Puts {@code key → value}; true if the key was new.
     *
     * @param key the key, {@link #keyWidth()} bytes
     * @param value the value, {@link #valueWidth()} bytes
     * @return true if the key was new
     */
    public boolean put(byte[] key, byte[] value) {
        checkKey(key);
        checkValue(value);
        checkWritable();
        try {
            return pipeline.put(key, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Publishes a put; leave the arrays unchanged until the future completes.
     *
     * @param key the key, {@link #keyWidth()} bytes
     * @param value the value, {@link #valueWidth()} bytes
     * @return completes with true if the key was new, once the put is acknowledged
     */
    public CompletableFuture<Boolean> putAsync(byte[] key, byte[] value) {
        checkKey(key);
        checkValue(value);
        checkWritable();
        return pipeline.putAsync(key, value);
    }

    /**
     * Deletes {@code key}; true if it was present.
     *
     * @param key the key, {@link #keyWidth()} bytes
     * @return true if it was present
     */
    public boolean delete(byte[] key) {
        checkKey(key);
        checkWritable();
        try {
            return pipeline.delete(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Publishes a delete; leave the array unchanged until the future completes.
     *
     * @param key the key, {@link #keyWidth()} bytes
     * @return completes with true if the key was present, once the delete is acknowledged
     */
    public CompletableFuture<Boolean> deleteAsync(byte[] key) {
        checkKey(key);
        checkWritable();
        return pipeline.deleteAsync(key);
    }

    /**
     * Applies every operation of {@code batch} or none (also across a crash), and waits for the acknowledgement.
     *
     * @param batch the operations, applied in order
     */
    public void write(WriteBatch batch) {
        checkBatch(batch);
        checkWritable();
        try {
            pipeline.write(batch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Publishes {@code batch}; the future completes once it is acknowledged.
     *
     * @param batch the operations, applied in order
     * @return completes once the whole batch is acknowledged
     */
    public CompletableFuture<Void> writeAsync(WriteBatch batch) {
        checkBatch(batch);
        checkWritable();
        return pipeline.writeAsync(batch);
    }

    // ---------------------------------------------------------------- durability (writer lock held)

    /**
     * Writer thread, after every batch: finishes a background checkpoint that has ended, and checks the
     * dirty-page and journal-size triggers. While a checkpoint runs, pages dirtied meanwhile are bounded
     * too: past twice the dirty limit the writer waits for it.
     */
    private void afterBatch() throws IOException {
        long dirtyBytes = file.dirty().count() * (long) ExtentClasses.PAGE_SIZE;
        if (running != null && (runningResult.isDone() || dirtyBytes > 2 * options.dirtyLimitBytes())) {
            finishRunning();
        }
        if (running == null && (dirtyBytes > options.dirtyLimitBytes()
                || journal.bytesAppended() - journalBytesAtCheckpoint > options.journalLimitBytes())) {
            if (options.checkpointsInBackground()) {
                startBackgroundCheckpoint();
            } else {
                checkpointLocked(false);
            }
        }
    }

    /** Encodes pipeline operations as journal records on the writer thread. */
    private final class JournalAdapter implements JournalStage {
        @Override
        public void append(WriteEvent e) throws IOException {
            switch (e.type()) {
                case PUT_LONG -> journal.appendPutLong(e.key(), e.value());
                case DELETE_LONG -> journal.appendDeleteLong(e.key());
                case PUT_BYTES -> journal.appendPut(e.keyBytes(), e.valueBytes());
                case DELETE_BYTES -> journal.appendDelete(e.keyBytes());
                case BATCH -> {
                    journal.append(new JournalRecord.BatchBegin(e.batch().size()));
                    for (WriteBatch.Op op : e.batch().ops()) {
                        switch (op) {
                            case WriteBatch.PutLong p -> journal.appendPutLong(p.key(), p.value());
                            case WriteBatch.DeleteLong d -> journal.appendDeleteLong(d.key());
                            case WriteBatch.Put p -> journal.appendPut(p.key(), p.value());
                            case WriteBatch.Delete d -> journal.appendDelete(d.key());
                        }
                    }
                    journal.append(new JournalRecord.BatchCommit());
                }
                case TASK -> throw new AssertionError("tasks are not journaled");
            }
        }

        @Override
        public void endOfBatch(boolean sync) throws IOException {
            commitOnWriter();
        }
    }

    /** Writer thread (or the closing thread once the writer ended): a checkpoint now, waiting for it. */
    private void checkpointLocked(boolean clean) throws IOException {
        if (running != null) {
            finishRunning();
        }
        journal.sync();
        long lsn = journal.lastLsn();
        checkpointer.checkpoint(file, lsn, clean);
        journalBytesAtCheckpoint = journal.bytesAppended();
        lastCheckpointNanos = System.nanoTime();
        checkpointDone(lsn);
    }

    /**
     * Writer thread: begins a checkpoint at the last LSN (made durable first, since the checkpoint's
     * header names it) and runs its I/O on the checkpoint thread; {@link #afterBatch} finishes it.
     */
    private void startBackgroundCheckpoint() throws IOException {
        journal.sync();
        Checkpointer.Checkpoint c = checkpointer.begin(file, journal.lastLsn(), false);
        running = c;
        // Set now so the triggers do not fire again for what this checkpoint covers.
        journalBytesAtCheckpoint = journal.bytesAppended();
        lastCheckpointNanos = System.nanoTime();
        CompletableFuture<Checkpointer.Result> result = new CompletableFuture<>();
        runningResult = result;
        // A thread per checkpoint (seconds apart at the least) rather than a pool: nothing idles between them,
        // and an index abandoned without close() leaves no thread behind.
        Thread.ofPlatform().daemon().name("bucketdb-checkpoint " + dir.getFileName()).start(() -> {
            try {
                result.complete(c.run());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
    }

    /**
     * Writer thread: waits for the running checkpoint, then makes its header the live one and recycles
     * the journal it covers, or, if it failed, ends it and throws its failure (the pipeline then turns
     * read-only; the next open recovers from the journal, which was not recycled).
     */
    private void finishRunning() throws IOException {
        Checkpointer.Checkpoint c = running;
        running = null;
        try {
            runningResult.join();
        } catch (CompletionException e) {
            c.abandon();
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw cause instanceof RuntimeException r ? r : new IllegalStateException("checkpoint failed", cause);
        } finally {
            runningResult = null;
        }
        c.finish();
        checkpointDone(c.checkpointLsn());
    }

    private void checkpointDone(long lsn) throws IOException {
        journal.recycleBelow(lsn);
        checkpoints++;
    }

    /**
     * Writes a checkpoint now: afterwards the table file holds every acknowledged write and the
     * journal before it is recycled. Normally triggers do this (see {@link Options#withCheckpointTriggers}).
     */
    public void checkpoint() {
        checkWritable();
        onWriter(() -> {
            Throwable failed = pipeline.failure();
            if (failed != null) {
                pipeline.reportFailure();
                throw new IllegalStateException("index " + dir + " is read-only after an I/O failure (reopen to recover): " + failed, failed);
            }
            try {
                checkpointLocked(false);
            } catch (IOException | RuntimeException e) {
                pipeline.fail(e);
                pipeline.reportFailure(); // the caller gets it
                throw e;
            }
            return null;
        });
    }

    /**
     * How many writes shared each group commit since open: a consistent, immutable snapshot, cheap
     * enough to poll (it copies 31 counters; the writer is never held up). {@link BatchSizes#NONE}
     * for a read-only open. Take two snapshots and {@link BatchSizes#since} for an interval.
     *
     * @return the histogram of writes per group commit since open
     */
    public BatchSizes batchSizes() {
        checkOpen();
        return pipeline == null ? BatchSizes.NONE : pipeline.batchSizes().snapshot();
    }

    /** {@return the checkpoints written since open, not counting the one that created a new index} */
    public long checkpoints() {
        checkOpen();
        return pipeline == null ? 0 : onWriter(() -> checkpoints);
    }

    /** Runs {@code task} on the writer thread (or here, for a read-only open) and returns its result. */
    private <T> T onWriter(java.util.concurrent.Callable<T> task) {
        if (pipeline == null) {
            try {
                return task.call();
            } catch (Exception e) {
                throw e instanceof RuntimeException r ? r : new UncheckedIOException(new IOException(e));
            }
        }
        try {
            return pipeline.runOnWriter(task).join();
        } catch (CompletionException e) {
            throw unwrap(e.getCause());
        }
    }

    private static RuntimeException unwrap(Throwable c) {
        if (c instanceof IOException io) {
            return new UncheckedIOException(io);
        }
        if (c instanceof RuntimeException r) {
            return r;
        }
        if (c instanceof Error err) {
            throw err;
        }
        return new UncheckedIOException(new IOException(c));
    }

    /** Timer thread: asks the writer for the ASYNC force and the interval checkpoint; never blocks on them. */
    private void onTimer() {
        if (closed || pipeline.isReadOnly()) {
            return;
        }
        try {
            pipeline.runOnWriter(() -> {
                try {
                    if (options.durability() == Durability.ASYNC) {
                        journal.sync();
                    }
                    if (running != null && runningResult.isDone()) {
                        finishRunning();
                    }
                    if (running == null && System.nanoTime() - lastCheckpointNanos > options.checkpointInterval().toNanos()
                            && file.dirty().count() > 0) {
                        if (options.checkpointsInBackground()) {
                            startBackgroundCheckpoint();
                        } else {
                            checkpointLocked(false);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    pipeline.fail(e);
                }
                return null;
            });
        } catch (IllegalStateException closing) {
            // close() began meanwhile: it checkpoints itself.
        } catch (java.util.concurrent.RejectedExecutionException ringFull) {
            // The ring stayed full for the publish timeout: the writer is busy with writes. This tick's force
            // and checkpoint check wait for the next tick. It must not escape: an exception thrown out of a
            // scheduled task cancels every later run, and ASYNC would never force again.
        } catch (RuntimeException | Error unexpected) {
            // Anything else would cancel the timer as silently; fail the index instead, so callers hear of it.
            pipeline.fail(unexpected);
        }
    }

    // ---------------------------------------------------------------- iteration and stats

    /**
     * A cursor over all entries, starting at a random bucket.
     *
     * @return a new cursor, positioned before the first entry
     */
    public Cursor cursor() {
        checkOpen();
        return new Cursor(table.iterator(ThreadLocalRandom.current().nextLong()));
    }

    /** Iterates entries as (key copy, value copy) pairs; see {@link #cursor()} for the guarantees. */
    @Override
    public Iterator<Map.Entry<byte[], byte[]>> iterator() {
        Cursor c = cursor();
        return new Iterator<>() {
            private Boolean has;

            @Override
            public boolean hasNext() {
                if (has == null) {
                    has = c.next();
                }
                return has;
            }

            @Override
            public Map.Entry<byte[], byte[]> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                has = null;
                return new AbstractMap.SimpleImmutableEntry<>(c.key(), c.value());
            }
        };
    }

    /**
     * Where growth stands; cheap (reads the header), for progress displays.
     *
     * @return where growth stands now
     */
    public Growth growth() {
        checkOpen();
        return onWriter(() -> {
            var h = file.header();
            long[] progress = table.growthProgress();
            return new Growth(h.b, h.growing(), h.sameSizeGrow(), progress[0], progress[1], h.overflowBuckets);
        });
    }

    /**
     * The index's numbers as its writer sees them: the table in memory (not the image on disk, which
     * {@code bucketdb stat} shows), the header of the last checkpoint, and the journal records written
     * since it, which a crash now would replay. Walks every chain for the histogram, so it costs a scan
     * of the table; runs on the writer thread.
     *
     * @throws UncheckedIOException if listing the directory's files fails
     * @return the numbers, as of the last completed write
     */
    public Stats stats() {
        checkOpen();
        return onWriter(() -> {
            var h = file.header();
            long oldBuckets = table.growthProgress()[1];
            Census census = new Census(table.size(), TableScan.chainHistogram(table, 8),
                    TableScan.evacuatedOldBuckets(table), oldBuckets, h.overflowBuckets);
            StatsCollector.PendingReplay pending = journal == null
                    ? StatsCollector.pendingReplay(dir, h.checkpointLsn)
                    : new StatsCollector.PendingReplay(journal.writtenLsn() - h.checkpointLsn, 0);
            return StatsCollector.collect(dir, h, file.activeSlot(), table.size(), census, HeapUsage.of(h), file.fileSize(),
                    cleanBeforeOpen, pending);
        });
    }

    /**
     * Checkpoints every change and closes the index; the next open sees exactly these contents and
     * replays nothing. After an I/O failure it closes without writing (the next open recovers from
     * the journal); if no call has reported that failure yet (it happened in a checkpoint after the
     * last acknowledged batch), it throws an {@link IOException} naming it. Later calls on this object throw
     * {@link IllegalStateException}.
     */
    @Override
    public void close() throws IOException {
        synchronized (writeLock) {
            if (closed) {
                return;
            }
            closed = true;
            if (timer != null) {
                // Not shutdownNow(): a tick may be leading a group of writes, and interrupting it during the
                // journal's I/O would close the journal's channel. pipeline.close() waits for that group.
                timer.shutdown();
            }
            if (pipeline != null) {
                // Drains: everything published before this is applied and acknowledged (or failed), and
                // the background thread ends, so this thread owns the table from here on.
                pipeline.close();
            }
            Throwable failed = pipeline == null ? null : pipeline.failure();
            IOException error = null;
            long cleanLsn = -1;
            try {
                if (journal != null && failed == null) {
                    checkpointLocked(true); // waits for a running checkpoint first
                    cleanLsn = journal.lastLsn();
                } else if (running != null) {
                    finishRunning();
                }
            } catch (IOException | UncheckedIOException e) {
                error = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
            } catch (RuntimeException e) {
                error = new IOException("checkpoint at close failed", e);
            }
            try {
                // After the clean checkpoint (its header forced) the journal before it and the double-write
                // batch's pages are never read again: drop them, so the next open reads no frame the
                // checkpoint covers and the directory keeps no spare bytes (the batch's header image stays,
                // to repair a damaged header slot). Every step is crash-safe on its own (see
                // JournalWriter.closeAfterCheckpoint and Checkpointer.closeTrimmed).
                boolean clean = failed == null && error == null;
                try {
                    if (journal != null) {
                        if (clean) {
                            journal.closeAfterCheckpoint(cleanLsn);
                        } else {
                            // Writes nothing: after a failure the buffer holds only records no caller was told
                            // succeeded, and the growth markers of a batch that was rolled back, which replay
                            // could not explain.
                            closeQuietly(journal::abandon, error != null ? error : failed);
                        }
                    }
                } finally {
                    try {
                        if (checkpointer != null) {
                            if (clean) {
                                checkpointer.closeTrimmed();
                            } else {
                                checkpointer.close();
                            }
                        }
                    } finally {
                        if (clean && journal != null) {
                            file.closeAndTrim();
                        } else {
                            file.close();
                        }
                    }
                }
            } finally {
                if (lock != null) {
                    lock.close();
                }
            }
            if (error != null) {
                throw error;
            }
            if (failed != null && !pipeline.failureReported()) {
                // A failure no caller has seen: one in the checkpoint or journal work after the last batch
                // fails no call of that batch (its writes were forced and acknowledged). One a call already
                // reported is not thrown again here (it would only shadow the caller's own handling).
                throw new IOException("index " + dir + " failed before close (" + failed + "): no write after the failure "
                        + "was acknowledged and no checkpoint was taken at close; the next open recovers from the journal", failed);
            }
        }
    }

    // ---------------------------------------------------------------- checks

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("index " + dir + " is closed");
        }
    }

    private void checkWritable() {
        checkOpen();
        if (pipeline == null) {
            throw new IllegalStateException("index " + dir + " is open read-only");
        }
        Throwable f = pipeline.failure();
        if (f != null) {
            pipeline.reportFailure();
            throw new IllegalStateException("index " + dir + " is read-only after an I/O failure (reopen to recover): " + f, f);
        }
    }

    private void requireLongWidths() {
        if (keyWidth != 8 || valueWidth != 8) {
            throw new IllegalArgumentException("the long API needs 8-byte keys and values; index " + dir + " has "
                    + keyWidth + "-byte keys and " + valueWidth + "-byte values");
        }
    }

    private void checkKey(byte[] key) {
        if (table.varKeys()) {
            if (key.length > options.maxKeyLength()) {
                throw new IllegalArgumentException("key of " + key.length + " bytes exceeds the limit of " + options.maxKeyLength()
                        + " bytes for index " + dir + " (Options.withMaxLengths); nothing was written");
            }
        } else if (key.length != keyWidth) {
            throw new IllegalArgumentException("key must be " + keyWidth + " bytes for index " + dir + ", got " + key.length);
        }
    }

    private void checkValue(byte[] value) {
        if (table.varValues()) {
            if (value.length > options.maxValueLength()) {
                throw new IllegalArgumentException("value of " + value.length + " bytes exceeds the limit of " + options.maxValueLength()
                        + " bytes for index " + dir + " (Options.withMaxLengths); nothing was written");
            }
        } else if (value.length != valueWidth) {
            throw new IllegalArgumentException("value must be " + valueWidth + " bytes for index " + dir + ", got " + value.length);
        }
    }

    /** Checks every operation of a batch before any is published: a bad one rejects the whole batch. */
    private void checkBatch(WriteBatch batch) {
        for (WriteBatch.Op op : batch.ops()) {
            switch (op) {
                case WriteBatch.Put p -> {
                    checkKey(p.key());
                    checkValue(p.value());
                }
                case WriteBatch.Delete d -> checkKey(d.key());
                case WriteBatch.PutLong p -> requireLongWidths();
                case WriteBatch.DeleteLong d -> requireLongWidths();
            }
        }
    }

    // ---------------------------------------------------------------- typed access

    /**
     * A {@link java.util.concurrent.ConcurrentMap} view of this index that converts keys and values
     * with the given codecs. The map holds no state of its own: every call goes to the index, so
     * several views, {@link #putLong} and the map see the same entries (with {@link Codec#LONG}, a
     * {@code LONG → LONG} map and the long API agree byte for byte).
     *
     * <p>The map follows the {@code ConcurrentMap} contract:
     * <ul>
     * <li>null keys and values are rejected with {@link NullPointerException};</li>
     * <li>{@code putIfAbsent}, {@code replace}, {@code remove(key, value)}, {@code compute},
     *     {@code computeIfAbsent}, {@code computeIfPresent} and {@code merge} are atomic with
     *     respect to every other write of this index: they run on its single writer, and the
     *     functions they take are called at most once per call (so keep them short, and never let
     *     them change this map: that throws {@link IllegalStateException});</li>
     * <li>{@code keySet()}, {@code values()} and {@code entrySet()} are live views whose iterators
     *     are weakly consistent, as {@link java.util.concurrent.ConcurrentHashMap}'s are: they never
     *     throw {@link java.util.ConcurrentModificationException}, return every key present for
     *     the whole walk exactly once (with the value it had when read), and start at a random
     *     bucket, so two walks may differ in order; {@code Iterator.remove} deletes from the index
     *     and {@code Entry.setValue} writes through;</li>
     * <li>{@code equals}, {@code hashCode} and {@code toString} are {@link java.util.AbstractMap}'s,
     *     so the map equals any {@link java.util.Map} with the same entries;</li>
     * <li>{@code size()} saturates at {@link Integer#MAX_VALUE}; {@link #size()} has the exact count.</li>
     * </ul>
     *
     * <p>Keys are found, and values compared, by their encoded bytes. In an index of fixed-width
     * keys (values), a key (value) that a call would store must encode to exactly {@link #keyWidth()}
     * ({@link #valueWidth()}) bytes; with {@linkplain Options#withVariableKeys variable-length keys}
     * ({@linkplain Options#withVariableValues values}) any encoding up to {@link #maxKeyLength()}
     * ({@link #maxValueLength()}) bytes fits. Otherwise the call throws
     * {@link IllegalArgumentException} naming the width or limit and changes nothing; a key that only
     * gets looked up and cannot be stored is simply absent. Any call on a closed index, and a write to a read-only
     * one, throws {@link IllegalStateException}; an I/O failure is an {@link UncheckedIOException}.
     *
     * @param keys   the key codec; if fixed-width, its width must be this index's key width
     * @param values the value codec; if fixed-width, its width must be this index's value width
     * @param <K>    the key type
     * @param <V>    the value type
     * @return a live map view of this index
     * @throws IllegalArgumentException if a codec's fixed width differs from the index's width
     */
    public <K, V> java.util.concurrent.ConcurrentMap<K, V> asMap(Codec<K> keys, Codec<V> values) {
        checkOpen();
        return new BucketMap<>(this, keys, values);
    }

    /**
     * Runs {@code action} on the writer thread, so no other write of this index runs meanwhile
     * (whoever publishes it); nested calls from {@code action} run inline. The hook behind
     * {@link BucketMap}'s atomic operations, whose writes inside {@code action} go through
     * {@link #putOnWriter} and {@link #deleteOnWriter}.
     */
    <R> R atomically(java.util.function.Supplier<R> action) {
        checkOpen();
        if (pipeline == null || pipeline.onWriterThread()) {
            return action.get();
        }
        return onWriter(action::get);
    }

    /** A put from inside {@link #atomically}: journaled, forced per the durability mode and applied right here. */
    void putOnWriter(byte[] key, byte[] value) {
        if (pipeline == null || !pipeline.onWriterThread()) {
            put(key, value);
            return;
        }
        checkKey(key);
        checkValue(value);
        checkWritable();
        try {
            journal.appendPut(key, value);
            commitOnWriter();
            table.put(key, value);
        } catch (IOException | UncheckedIOException e) {
            pipeline.fail(e);
            throw e instanceof UncheckedIOException u ? u : new UncheckedIOException((IOException) e);
        }
    }

    /** A delete from inside {@link #atomically}; see {@link #putOnWriter}. */
    void deleteOnWriter(byte[] key) {
        if (pipeline == null || !pipeline.onWriterThread()) {
            delete(key);
            return;
        }
        checkKey(key);
        checkWritable();
        try {
            journal.appendDelete(key);
            commitOnWriter();
            table.delete(key);
        } catch (IOException | UncheckedIOException e) {
            pipeline.fail(e);
            throw e instanceof UncheckedIOException u ? u : new UncheckedIOException((IOException) e);
        }
    }

    /** Makes what the journal holds acknowledged-safe per the durability mode: forced (SYNC) or written (ASYNC). */
    private void commitOnWriter() throws IOException {
        if (options.durability() == Durability.SYNC) {
            journal.sync();
        } else {
            journal.flush();
        }
    }
}
