package io.bucketdb.engine;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.Recovery;
import io.bucketdb.pipeline.PipelineConfig;
import io.bucketdb.pipeline.WritePipeline;
import io.bucketdb.recovery.Checkpointer;
import io.bucketdb.recovery.DamagePolicy;
import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.recovery.JournalReader;
import io.bucketdb.recovery.JournalWriter;
import io.bucketdb.recovery.ReplayReport;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.HeaderLayout;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.NativeFileOps;
import io.bucketdb.storage.PageChecksums;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.TableGeometry;
import io.bucketdb.storage.VarSlotLayout;
import io.bucketdb.storage.VerifiedPages;
import io.bucketdb.table.GrowthEvents;
import io.bucketdb.table.GrowthListener;
import io.bucketdb.table.GrowthMarkers;
import io.bucketdb.table.HashTable;
import io.bucketdb.table.UnreadPages;
import io.bucketdb.table.JournalReplayer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Opens an index directory once {@code BucketDB.open} has found (or made) it and taken its lock: creates the
 * table, or recovers an existing one (finishes an interrupted checkpoint, replays the journal through the code
 * live writes use, ends a recovery with a checkpoint), or takes a read-only view; then wires the engine around the
 * table: the journaling stage, the write pipeline, the checkpoint scheduler, the reads and the close sequence.
 */
public final class IndexOpener {
    private static final System.Logger LOG = System.getLogger(BucketDB.class.getName());

    private IndexOpener() {
    }

    /**
     * An open index: the table and the engine around it. For a read-only view, {@code journal} is null.
     *
     * @param file            the table file (a view's first image; a refresh replaces it)
     * @param table           the table over it
     * @param view            the read-only view, or null for a writable index
     * @param recovery        what the open had to do
     * @param cleanBeforeOpen whether the index had been closed cleanly
     * @param checks          the keys and values the index takes
     * @param reads           the one reader of the table
     * @param writes          the writes and writer-role tasks
     * @param journal         the journal's one writer
     * @param closing         how the index closes
     * @param ignoredOptions  the create-only options set in the options that this existing index ignored
     * @param checkpointer    writes its checkpoints; null for a read-only view
     */
    public record Opened(TableFile file, HashTable table, ReadOnlyView view, Recovery recovery, boolean cleanBeforeOpen,
                         EntryChecks checks, TableReads reads, WriteAccess writes, JournalingStage journal, CloseSequence closing, List<String> ignoredOptions,
                         Checkpointer checkpointer) {
        Opened withRecovery(Recovery r) {
            return new Opened(file, table, view, r, cleanBeforeOpen, checks, reads, writes, journal, closing, ignoredOptions,
                    checkpointer);
        }
    }

    /** Finishes a compaction that stopped between its two renames (StagedIndex); whether the index is then complete. */
    @FunctionalInterface
    public interface InterruptedSwap {
        /**
         * Finishes the swap of {@code dir}, if one was interrupted.
         *
         * @param dir the index directory
         * @param io  the durable I/O
         * @return whether {@code dir} now holds a complete index
         * @throws IOException if a rename or sync fails
         */
        boolean finish(Path dir, DurableIO io) throws IOException;
    }

    /**
     * Finds the index in {@code dir} before it is locked: whether it holds a table file, after finishing a
     * compaction a crash interrupted; creates the directory (durably) where a new index may be created.
     *
     * @param dir         the index directory
     * @param options     how it is opened (read-only, create if missing, the durable I/O)
     * @param swap        finishes an interrupted compaction
     * @param interrupted whether a compaction of {@code dir} was interrupted (named in the error)
     * @return whether {@code dir} holds a table file
     * @throws IOException if {@code dir} is not a directory, holds no index that the options would open, or on I/O failure
     */
    public static boolean locate(Path dir, Options options, InterruptedSwap swap, Predicate<Path> interrupted) throws IOException {
        if (!options.readOnly()) {
            // Binds the native file calls beside the work before the table file opens (finishing a checkpoint, the
            // lock, class loading): in a fresh JVM the FFM linker takes 90-130 ms of a core (issue 16, "recovery").
            NativeFileOps.bindInBackground();
        }
        DurableIO io = options.durableIO();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a directory: an index is a directory");
        }
        Path tablePath = dir.resolve(IndexFileNames.TABLE);
        boolean exists = Files.exists(tablePath);
        if (!exists && !options.readOnly()) {
            // A compaction stopped between its two renames: the index is complete beside dir. Finish
            // the swap rather than create an empty index where it belongs.
            exists = swap.finish(dir, io);
        }
        if (!exists && (options.readOnly() || !options.createIfMissing())) {
            throw new IOException("no index in " + dir + ": " + tablePath + " does not exist" + (interrupted.test(dir)
                    ? "; a compaction was interrupted: open it for writing, or run 'bucketdb compact " + dir + "', to finish it" : ""));
        }
        if (!exists) {
            checkCreatable(options); // before the directory and the lock file: a refused creation leaves no trace
            createDirectoriesDurably(io, dir);
        }
        return exists;
    }

    /**
     * Opens the index in {@code dir}, which holds a table file if {@code exists}, else is created.
     *
     * @param dir     the index directory, existing
     * @param exists  whether it holds a table file
     * @param options how to open it
     * @param lock    takes the writer lock (returns null for a read-only open); released by the close sequence, or here
     *                if the open fails. Once a writable open holds it and has succeeded, it removes the staging directory
     *                a crashed build of {@code dir} left ({@link StagingLeftovers#removeCrashed})
     * @param writer  names the writer lock's holder, for a read-only view
     * @param waits   makes the wait strategy of the pipeline's background thread ({@code Options.withWaitStrategy})
     * @return the open index
     * @throws IOException if a file is damaged or cannot be read or written
     */
    public static Opened open(Path dir, boolean exists, Options options, LockTaker lock, ReadOnlyView.WriterProbe writer,
                              Supplier<com.lmax.disruptor.WaitStrategy> waits) throws IOException {
        AutoCloseable held = lock.take();
        Opened opened;
        try {
            opened = open(dir, exists, options, held, writer, waits);
        } catch (IOException | RuntimeException e) {
            closeQuietly(held, e);
            throw e;
        }
        if (options.readOnly()) {
            return opened;
        }
        // Only once the open succeeded (a refused or failed open changes nothing more), and under dir's lock: see
        // StagingLeftovers for why the removal is then safe.
        long removed = StagingLeftovers.removeCrashed(dir, options.durableIO());
        return removed == 0 ? opened : opened.withRecovery(opened.recovery().withLeftoverBytesRemoved(removed));
    }

    /** Takes the writer lock of an index directory. */
    @FunctionalInterface
    public interface LockTaker {
        /**
         * {@return the lock, held until closed; null for a read-only open}
         *
         * @throws IOException if another writer holds it, or the lock file fails
         */
        AutoCloseable take() throws IOException;
    }

    private static Opened open(Path dir, boolean exists, Options options, AutoCloseable lock, ReadOnlyView.WriterProbe writer,
                               Supplier<com.lmax.disruptor.WaitStrategy> waits) throws IOException {
        DurableIO io = options.durableIO();
        Path tablePath = dir.resolve(IndexFileNames.TABLE);
        if (options.readOnly()) {
            ReadOnlyView view = ReadOnlyView.open(dir, tablePath, io, JournalSettings.of(options), options.maxChunkShift(),
                    f -> checkWidths(dir, f, options), writer);
            ReadOnlyView.Image image = view.image();
            EntryChecks checks = EntryChecks.of(dir, image.table(), options.maxKeyLength(), options.maxValueLength());
            CloseSequence closing = CloseSequence.ofView(dir, view);
            return new Opened(image.file(), image.table(), view, image.recovery(), image.file().header().cleanClose, checks,
                    TableReads.of(view, checks), new WriteAccess(dir, closing, null, null, null, checks, image.table()), null, closing,
                    ignoredOptions(dir, image.file().header(), options), null);
        }
        TableFile file = null;
        JournalWriter journal = null;
        Checkpointer checkpointer = null;
        try {
            GrowthMarkers markers = new GrowthMarkers();
            GrowthEvents growthEvents = new GrowthEvents(markers);
            checkpointer = new Checkpointer(io, dir, options.privateMemoryLimitBytes());
            HashTable table;
            Recovery recovery;
            boolean clean;
            List<String> ignored = List.of();
            if (exists) {
                checkWidthsBeforeAnyChange(io, dir, tablePath, options);
                RecoveryPhases event = new RecoveryPhases();
                Checkpointer.Pending pending = Checkpointer.finishPending(io, dir, tablePath);
                event.finishing = event.phase();
                file = TableFile.openForWriter(io, tablePath, options.maxChunkShift());
                checkWidths(dir, file, options);
                ignored = ignoredOptions(dir, file.header(), options);
                boolean checksumsRebuilt = useChecksums(io, dir, file, checkpointer);
                table = HashTable.open(file, growthEvents);
                growthEvents.watch(table, file.header().b);
                long checkpointLsn = file.header().checkpointLsn;
                boolean closedCleanly = file.header().cleanClose;
                event.tableOpening = event.phase();
                JournalReplayer replayer = new JournalReplayer(table, markers, dir);
                JournalReader reader = new JournalReader(io, dir, JournalSettings.of(options), !closedCleanly);
                ReplayReport report = reader.replay(checkpointLsn,
                        options.truncateOnDamage() ? DamagePolicy.TRUNCATE : DamagePolicy.FAIL, replayer);
                event.replaying = event.phase();
                recovery = new Recovery(pending.finished(), pending.pages(), replayer.applied(), replayer.markersChecked(),
                        replayer.idleSteps(),
                        report.tornBytes(), report.recordsDropped(), replayer.endedInsideBatch(), checkpointLsn,
                        Math.max(checkpointLsn, report.lastLsn()), checksumsRebuilt, 0, report.lostFromLsn());
                clean = closedCleanly && !recovery.needed();
                journal = clean ? JournalWriter.open(io, dir, JournalSettings.of(options), checkpointLsn)
                        : endRecovery(io, dir, file, checkpointer, reader, options, Math.max(checkpointLsn, report.lastLsn()), event);
                if (clean) {
                    event.journalOpening = event.phase();
                    // From here on a crash leaves an index that was not closed cleanly, and it must say so durably
                    // before the first write: an open then insists on the journal after the checkpoint instead of
                    // taking a lost or unreadable journal for an empty one. Pages: none; the header flips.
                    event.pagesWritten = checkpointer.checkpoint(file, journal.lastLsn(), false).pages();
                    event.endingCheckpoint = event.phase();
                }
                event.report(dir, recovery);
            } else {
                createTable(io, dir, tablePath, options, checkpointer);
                file = TableFile.open(io, tablePath, false, options.maxChunkShift());
                table = HashTable.open(file, growthEvents);
                growthEvents.watch(table, file.header().b);
                journal = JournalWriter.open(io, dir, JournalSettings.of(options), 0);
                recovery = new Recovery(false, 0, 0, 0, 0, 0, 0, false, 0, 0, false);
                clean = true;
                // As for a cleanly closed index above: the new index says durably that it is not closed cleanly.
                checkpointer.checkpoint(file, journal.lastLsn(), false);
            }
            JournalingStage journaling = new JournalingStage(journal, options.durability() == Durability.SYNC);
            markers.live(journaling);
            EntryChecks checks = EntryChecks.of(dir, table, options.maxKeyLength(), options.maxValueLength());
            CheckpointScheduler scheduler = new CheckpointScheduler(dir, file, checkpointer, journaling, options, lock);
            WritePipeline pipeline = new WritePipeline(table, journaling, pipelineConfig(options, waits), scheduler, checks);
            scheduler.start(pipeline);
            CloseSequence closing = new CloseSequence(dir, pipeline, scheduler, journaling, checkpointer, lock);
            return new Opened(file, table, null, recovery, clean, checks, TableReads.gated(pipeline),
                    new WriteAccess(dir, closing, pipeline, journaling, scheduler, checks, table), journaling, closing, ignored, checkpointer);
        } catch (IOException | RuntimeException e) {
            closeQuietly(journal, e);
            closeQuietly(checkpointer == null ? null : checkpointer::close, e);
            closeQuietly(file, e);
            throw e;
        }
    }

    private static PipelineConfig pipelineConfig(Options options, Supplier<com.lmax.disruptor.WaitStrategy> waits) {
        return PipelineConfig.defaults()
                .withRingSize(options.ringSize())
                .withWaitStrategy(waits)
                .withSync(options.durability() == Durability.SYNC)
                .withPublishTimeoutNanos(options.publishTimeout() == null ? -1 : options.publishTimeout().toNanos())
                .withIdleEvacuation(options.idleEvacuation());
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
     * before the new segment replaces the old ones), and the next open recovers again: the replayed records and
     * their segment's header are written again and forced first ({@link JournalReader#rewriteReplayed}), so that
     * journal reaches the checkpoint also when they were only in the page cache.
     */
    private static JournalWriter endRecovery(DurableIO io, Path dir, TableFile file, Checkpointer checkpointer,
                                             JournalReader reader, Options options, long lastLsn, RecoveryPhases event)
            throws IOException {
        reader.rewriteReplayed();
        event.pagesWritten = checkpointer.checkpoint(file, lastLsn, false).pages();
        event.endingCheckpoint = event.phase();
        JournalWriter fresh = JournalWriter.openFresh(io, dir, JournalSettings.of(options), lastLsn);
        event.journalOpening = event.phase();
        return fresh;
    }

    /**
     * Creates {@code dir} and its missing parents, each made durable by a sync of its parent: a new directory's
     * entry is durable only then, and without it a power loss could take the whole new index away after its
     * first acknowledged writes.
     *
     * @param io  the durable I/O
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
        checkCreatable(options);
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
            checkRoomForTheArray(dir, created, options.expectedEntries());
            HashTable.create(created, GrowthListener.NONE, options.expectedEntries());
            // The first checkpoint (LSN 0) makes the empty table durable before any journal exists; it is a
            // clean one, since there is nothing a journal would have to hold yet (open then marks it unclean
            // once the journal exists).
            checkpointer.checkpoint(created, 0, true);
        } catch (IOException | RuntimeException e) {
            closeQuietly(() -> io.delete(temp), e); // a failed creation keeps no blocks (a large array may have many)
            throw e;
        }
        io.rename(temp, tablePath);
        io.syncDirectory(dir);
    }

    /**
     * Refuses an expected entry count whose bucket array the file system has no room for, before any of it is allocated:
     * the array's blocks are allocated when it is created, so such an open could only fail part-way, after filling the
     * disk (or, for counts far beyond any disk, exhaust the heap with the array's piece list).
     */
    private static void checkRoomForTheArray(Path dir, TableFile created, long expectedEntries) throws IOException {
        if (expectedEntries == 0) {
            return;
        }
        int b = HashTable.bFor(expectedEntries);
        long bytes;
        try {
            bytes = Math.multiplyExact(1L << Math.min(b, 62), (long) BucketLayout.of(created.header()).size());
        } catch (ArithmeticException e) {
            bytes = Long.MAX_VALUE;
        }
        long free = Files.getFileStore(dir).getUsableSpace();
        if (bytes > free) {
            throw new IOException("index " + dir + " was not created: " + expectedEntries + " expected entries (Options.withExpectedEntries)"
                    + " need a bucket array of 2^" + b + " buckets, " + bytes + " bytes, and the file system has " + free + " bytes free");
        }
    }

    /**
     * Refuses options no new table can have (limits below fixed widths, a shape the table file refuses), touching no file.
     *
     * @param options the options of a new index
     * @throws IllegalArgumentException naming what no table can have
     */
    public static void checkCreatable(Options options) {
        if ((!options.variableKeys() && options.keyWidth() > options.maxKeyLength())
                || (!options.variableValues() && options.valueWidth() > options.maxValueLength())) {
            throw new IllegalArgumentException("keys of " + options.keyWidth() + " bytes and values of " + options.valueWidth()
                    + " bytes exceed the limits of " + options.maxKeyLength() + " and " + options.maxValueLength()
                    + " bytes the options set (Options.withMaxLengths); nothing was created");
        }
        TableFile.checkNewShape(options.keySlotWidth(), options.valueSlotWidth(), options.tableFlags(), options.alignShift());
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
        UnreadPages.settle(file); // issue 19: pages no get reads, so a reopened index reaches allTrusted
        return rebuilt;
    }

    private static void checkWidths(Path dir, TableFile file, Options options) {
        checkWidths(dir, file.header(), options);
    }

    /**
     * Refuses options that disagree with the index's widths before the open changes any file: finishing a checkpoint a
     * crash cut and cutting the table file's unclean tail both write, and a refused open must leave every file as it
     * was. Reads the header slots only, and only when the options could disagree (explicit widths, lower limits). The
     * widths never change in an index's life, so the newest slot that decodes tells them; if none does, the open goes
     * on as before (it repairs the header from the double-write file or reports the damage) and checks them after.
     */
    private static void checkWidthsBeforeAnyChange(DurableIO io, Path dir, Path tablePath, Options options) throws IOException {
        if (!options.widthsSet() && options.maxKeyLength() == JournalOptions.DEFAULT_MAX_KEY_LENGTH
                && options.maxValueLength() == JournalOptions.DEFAULT_MAX_VALUE_LENGTH) {
            return;
        }
        Header newest = null;
        try (DurableFile in = io.open(tablePath, DurableIO.Mode.READ_ONLY)) {
            long size = in.size();
            if (size < HeaderLayout.DATA_START) {
                return;
            }
            for (int slot = 0; slot < 2; slot++) {
                ByteBuffer buf = ByteBuffer.allocate(HeaderLayout.SLOT_SIZE);
                in.read(HeaderLayout.slotOffset(slot), buf);
                buf.flip();
                try {
                    Header h = Header.decode(tablePath, HeaderLayout.slotOffset(slot), buf, size);
                    if (newest == null || h.generation > newest.generation) {
                        newest = h;
                    }
                } catch (CorruptIndexException damaged) {
                    // the open proper decides what a damaged slot means
                }
            }
        }
        if (newest != null) {
            checkWidths(dir, newest, options);
        }
    }

    private static void checkWidths(Path dir, Header h, Options options) {
        // Fixed-width values kept out of line are fixed-width here: where values live is the index's own (it is chosen
        // only at creation, and the API is the same either way), so it is not compared.
        boolean varValues = h.varValues() && !h.outlineValues();
        int valueWidth = h.outlineValues() ? h.outlineValueWidth : h.valueWidth;
        if (options.widthsSet() && (h.keyWidth != options.keySlotWidth() || valueWidth != options.valueSlotWidth()
                || h.varKeys() != options.variableKeys() || varValues != options.variableValues())) {
            throw new IllegalArgumentException("index " + dir + " stores " + describe(h.varKeys(), h.keyWidth, "keys") + " and "
                    + describe(varValues, valueWidth, "values") + "; the options asked for "
                    + describe(options.variableKeys(), options.keySlotWidth(), "keys") + " and "
                    + describe(options.variableValues(), options.valueSlotWidth(), "values"));
        }
        // Limits below the fixed widths contradict them (every key or value is that wide): refused, as at creation.
        if ((!h.varKeys() && h.keyWidth > options.maxKeyLength()) || (!varValues && valueWidth > options.maxValueLength())) {
            throw new IllegalArgumentException("index " + dir + " stores " + h.keyWidth + "-byte keys and " + valueWidth
                    + "-byte values, more than the limits of " + options.maxKeyLength() + " and " + options.maxValueLength()
                    + " bytes the options set (Options.withMaxLengths)");
        }
    }

    /**
     * The options that apply only when an index is created, set to something this existing index does not have:
     * each is said in one WARNING naming it and the directory, not refused, since options shared by every open of
     * an application's indexes must still open those created before the option was set.
     */
    private static List<String> ignoredOptions(Path dir, Header h, Options options) {
        List<String> ignored = new ArrayList<>();
        if (options.expectedEntries() > 0) {
            ignored.add("withExpectedEntries");
            warn("index " + dir + " keeps the bucket array it has and grows as usual; Options.withExpectedEntries applies "
                    + "only when an index is created");
        }
        if (options.hashSeed() != null && options.hashSeed() != h.hashSeed) {
            // The seed places every key: an index keeps the one it was created with.
            ignored.add("withHashSeed");
            warn("index " + dir + " keeps the hash seed it was created with; Options.withHashSeed applies only when an "
                    + "index is created");
        }
        Boolean outOfLine = options.valuesOutOfLine();
        if (outOfLine != null && outOfLine != h.outlineValues()) {
            // Where values live is chosen at creation; the API is the same either way, so this is said, not refused.
            ignored.add("withValuesOutOfLine");
            warn("index " + dir + " keeps its values " + (h.outlineValues() ? "in the value heap" : "in its slots")
                    + "; Options.withValuesOutOfLine applies only when an index is created");
        }
        if (options.alignShift() != TableGeometry.DEFAULT_ALIGN_SHIFT && options.alignShift() != h.alignShift) {
            ignored.add("withChunking");
            warn("index " + dir + " keeps the alignment shift " + h.alignShift + " it was created with; the alignment shift "
                    + "of Options.withChunking applies only when an index is created (its largest chunk applies)");
        }
        return List.copyOf(ignored);
    }

    private static void warn(String message) {
        LOG.log(System.Logger.Level.WARNING, message);
    }

    private static String describe(boolean variable, int slotWidth, String what) {
        return variable ? "variable-length " + what + " (" + VarSlotLayout.inlineWidth(slotWidth) + " bytes inline)"
                : slotWidth + "-byte " + what;
    }

    static void closeQuietly(AutoCloseable c, Throwable into) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception suppressed) {
            into.addSuppressed(suppressed);
        }
    }
}
