package io.bucketdb;

import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.spi.DurableIO;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.TableGeometry;
import io.bucketdb.storage.VarSlotLayout;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How to open an index. Immutable; each {@code with…} method returns a changed copy. {@link #defaults()} creates a
 * missing index with 8-byte keys and 8-byte values, acknowledges writes after the journal force
 * ({@link Durability#SYNC}) and checkpoints when a sixteenth of the machine's memory (between 256 MiB and 4 GiB) is in
 * dirty pages, 256 MiB of journal were written, or 60 seconds passed. After a checkpoint the table keeps up to a
 * quarter of the machine's memory in private page copies ({@link #withPrivateMemoryLimit}). The machine's memory is
 * {@code MemTotal} of {@code /proc/meminfo}, or a container's cgroup limit where lower; elsewhere 4 GiB is assumed.
 *
 * <p>Widths, where values live, the alignment shift, the hash seed and the expected entries apply only when the index is
 * created. Opening an existing index takes its stored widths, unless widths were set here explicitly and differ: then
 * open fails with an {@link IllegalArgumentException} naming the stored widths; the others, set to what the index does
 * not have, are said in a WARNING of the {@code System.Logger} {@code io.bucketdb.BucketDB}.
 */
public final class Options implements Cloneable {

    private EntryShape shape = EntryShape.DEFAULT;
    private boolean widthsSet;
    private long expectedEntries;
    private boolean createIfMissing = true;
    private boolean readOnly;
    private int alignShift = TableGeometry.DEFAULT_ALIGN_SHIFT;
    private int maxChunkShift = TableGeometry.DEFAULT_MAX_CHUNK_SHIFT;
    private Long hashSeed;
    private DurableIO io = FileDurableIO.INSTANCE;
    private Durability durability = Durability.SYNC;
    private Duration asyncForceInterval = Duration.ofMillis(100);
    private CheckpointTriggers checkpoints = CheckpointTriggers.DEFAULT;
    private boolean truncateOnDamage;
    private boolean idleEvacuation = true;
    private JournalOptions journal = JournalOptions.defaults();
    private int ringSize = 1024;
    private Duration publishTimeout;
    private WaitStrategy waitStrategy = WaitStrategy.PARK;

    private Options() {
    }

    /** A copy of these options with {@code change} applied to it: every {@code with…} method. */
    private Options with(Consumer<Options> change) {
        Options o;
        try {
            o = (Options) super.clone(); // every field is immutable or a primitive: a shallow copy is a copy
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
        change.accept(o);
        return o;
    }

    /** A copy with the key and value layout {@code changed}: every width-setting method. */
    private Options with(EntryShape changed) {
        return with(o -> { o.shape = changed; o.widthsSet = true; });
    }

    /**
     * 8-byte keys, 8-byte values, create if missing, read-write, {@link Durability#SYNC}.
     *
     * @return the default options
     */
    public static Options defaults() {
        return new Options();
    }

    /**
     * Key width in bytes for a new index (1..4096); keys become fixed-width.
     *
     * @param width bytes per key
     * @return a copy of these options with that change
     */
    public Options withKeyWidth(int width) {
        OptionChecks.keyWidth(width);
        return with(shape.withKeyWidth(width));
    }

    /**
     * Value width in bytes for a new index (0..4096); values become fixed-width, wide ones out of line by default.
     *
     * @param width bytes per value
     * @return a copy of these options with that change
     */
    public Options withValueWidth(int width) {
        OptionChecks.valueWidth(width);
        return with(shape.withValueWidth(width));
    }

    /** Inline width of {@link #withVariableKeys()}: keys up to 20 bytes stay in the slot (24 bytes with the length). */
    public static final int DEFAULT_KEY_INLINE = 20;
    /** Inline width of {@link #withVariableValues()}: values up to 28 bytes stay in the slot (32 bytes with the length). */
    public static final int DEFAULT_VALUE_INLINE = 28;

    /**
     * Where a new index keeps fixed-width values (an existing one keeps its own), by default from about 40 bytes wide
     * ({@link VarSlotLayout#outlinesByDefault}): in the value heap, a 4-byte block number in the slot, or in every slot.
     *
     * @param outOfLine true for the value heap, false for the slots
     * @return a copy of these options with that change
     */
    public Options withValuesOutOfLine(boolean outOfLine) {
        return with(o -> o.shape = shape.withValuesOutOfLine(outOfLine)); // not a width: opens any existing index
    }

    /** {@return a copy of these options with variable-length keys for a new index, {@link #DEFAULT_KEY_INLINE} bytes inline} */
    public Options withVariableKeys() {
        return withVariableKeys(DEFAULT_KEY_INLINE);
    }

    /**
     * Variable-length keys (0 bytes up to {@link #maxKeyLength()}) for a new index: a key of up to {@code inlineWidth}
     * bytes is stored in its slot, a longer one in the value heap inside the table file with the slot holding a
     * reference. Each slot takes {@code 4 + inlineWidth} bytes.
     *
     * @param inlineWidth bytes kept inline, 8..4092 (the slot must hold an 8-byte heap reference)
     * @return a copy of these options with that change
     * @throws IllegalArgumentException if {@code inlineWidth} is outside 8..4092
     */
    public Options withVariableKeys(int inlineWidth) {
        return with(shape.withKeyInline(inlineWidth));
    }

    /** {@return a copy of these options with variable-length values for a new index, {@link #DEFAULT_VALUE_INLINE} bytes inline} */
    public Options withVariableValues() {
        return withVariableValues(DEFAULT_VALUE_INLINE);
    }

    /**
     * Variable-length values (0 bytes up to {@link #maxValueLength()}) for a new index, stored inline up to
     * {@code inlineWidth} bytes and otherwise in the value heap; see {@link #withVariableKeys(int)}.
     *
     * @param inlineWidth bytes kept inline, 8..4092
     * @return a copy of these options with that change
     * @throws IllegalArgumentException if {@code inlineWidth} is outside 8..4092
     */
    public Options withVariableValues(int inlineWidth) {
        return with(shape.withValueInline(inlineWidth));
    }

    /**
     * Slots for what the codecs encode, for a new index to use with {@link BucketDB#asMap(Codec, Codec)}:
     * a fixed-width codec ({@link Codec#fixedWidth()} present) gets fixed slots of exactly its width, a
     * variable-length one ({@link Codec#UTF8}, {@link Codec#BYTES}) variable-length slots with the default
     * inline width. So {@code Options.defaults().withCodecs(Codec.UUID, Codec.LONG)} makes 16-byte keys and
     * 8-byte values, and {@code withCodecs(Codec.UTF8, Codec.LONG)} variable-length keys and 8-byte values.
     *
     * @param keys   the key codec
     * @param values the value codec
     * @return a copy of these options with that change
     * @throws IllegalArgumentException if a fixed width is outside what a slot can hold
     */
    public Options withCodecs(Codec<?> keys, Codec<?> values) {
        return with(EntryShape.of(keys, values));
    }

    /**
     * The key and value layout of {@code db} (fixed widths, or variable-length with its inline widths), for creating a
     * copy of it ({@code bucketdb compact}).
     *
     * @param db the open index whose layout to copy
     * @return a copy of these options with that layout
     */
    public Options withWidthsOf(BucketDB db) {
        return with(EntryShape.of(db));
    }

    /**
     * Limits for variable-length keys and values (defaults 64 KiB and 256 MiB, also the most allowed): a longer key or
     * value is rejected with {@link IllegalArgumentException} naming the limit, and nothing is written. They bound what an
     * open accepts, not what it reads: an index reopened with lower limits still recovers every record its journal holds.
     *
     * @param maxKeyLength   the longest key accepted, in bytes (8..64 KiB)
     * @param maxValueLength the longest value accepted, in bytes (8..256 MiB)
     * @return a copy of these options with that change
     * @throws IllegalArgumentException if a limit is outside its range
     */
    public Options withMaxLengths(int maxKeyLength, int maxValueLength) {
        OptionChecks.maxLengths(maxKeyLength, maxValueLength);
        return with(o -> o.journal = journal.withMaxKeyLength(maxKeyLength).withMaxValueLength(maxValueLength));
    }

    /**
     * How many entries a new index is expected to hold (default 0). A new index starts with the bucket array it would
     * have reached by growing to that many entries (the smallest B with {@code n <= 6.5 * 2^B}), so loading them causes
     * no growth and leaves no old arrays behind; {@code bucketdb compact} rebuilds with the count of the index it
     * compacts. Ignored when the index exists: it keeps its B and grows as usual, and the open logs one WARNING ({@code
     * System.Logger} {@code io.bucketdb.BucketDB}) naming this option and the directory.
     *
     * @throws IllegalArgumentException if {@code n} is negative
     * @param n entries the new index will hold
     * @return a copy of these options with that change
     */
    public Options withExpectedEntries(long n) {
        OptionChecks.expectedEntries(n);
        return with(o -> o.expectedEntries = n);
    }

    /**
     * Whether a missing index is created (default true).
     *
     * @param create false to fail when the directory holds no index
     * @return a copy of these options with that change
     */
    public Options withCreateIfMissing(boolean create) {
        return with(o -> o.createIfMissing = create);
    }

    /**
     * Opens a read-only view: no lock is taken and no file is written, writes throw. The view is the last checkpoint
     * plus the journal after it, replayed into a copy of the table in memory, so it holds every write acknowledged
     * before the open, also beside a live writer or after a crash; {@link BucketDB#refresh()} catches up.
     *
     * @param ro true to open read-only
     * @return a copy of these options with that change
     */
    public Options withReadOnly(boolean ro) {
        return with(o -> o.readOnly = ro);
    }

    /**
     * For tests of chunk boundaries: the alignment unit of a new index (log2, 16..30) and the largest mapped chunk
     * (log2, at least the alignment). Small values cross chunk boundaries often.
     *
     * @param alignShift log2 of the alignment unit of a new index
     * @param maxChunkShift log2 of the largest mapped chunk
     * @return a copy of these options with that change
     */
    public Options withChunking(int alignShift, int maxChunkShift) {
        OptionChecks.chunking(alignShift, maxChunkShift);
        return with(o -> { o.alignShift = alignShift; o.maxChunkShift = maxChunkShift; });
    }

    /**
     * A fixed hash seed for a new index (reproducible tests); by default each index gets a random seed. The seed is
     * stored in the index, which keeps it: opening an existing index with another seed logs one WARNING ({@code
     * System.Logger} {@code io.bucketdb.BucketDB}) naming this option and the directory, and uses the stored one.
     *
     * @param seed the seed of the table's hash
     * @return a copy of these options with that change
     */
    public Options withHashSeed(long seed) {
        return with(o -> o.hashSeed = seed);
    }

    /**
     * The durable I/O implementation (tests pass a crash simulator).
     *
     * @param durableIO the I/O through which every durable byte passes
     * @return a copy of these options with that change
     */
    public Options withDurableIO(DurableIO durableIO) {
        return with(o -> o.io = Objects.requireNonNull(durableIO));
    }

    /**
     * When writes are acknowledged (default {@link Durability#SYNC}).
     *
     * @param d {@link Durability#SYNC} or {@link Durability#ASYNC}
     * @return a copy of these options with that change
     */
    public Options withDurability(Durability d) {
        return with(o -> o.durability = Objects.requireNonNull(d));
    }

    /**
     * How often {@link Durability#ASYNC} forces the journal (default 100 ms): the most a power loss can lose.
     *
     * @param interval a positive interval
     * @return a copy of these options with that change
     * @throws IllegalArgumentException if {@code interval} is zero or negative
     */
    public Options withAsyncForceInterval(Duration interval) {
        return with(o -> o.asyncForceInterval = OptionChecks.positive(interval, "async force interval"));
    }

    /**
     * Checkpoint triggers: dirty page bytes (default a sixteenth of the machine's memory, between 256 MiB and 4 GiB),
     * journal bytes since the last checkpoint (default 256 MiB, which bounds replay on open), and the interval (default 60 s).
     *
     * <p>The dirty limit bounds the pages not yet written back: about twice the limit while a checkpoint runs (the
     * pages it writes, plus those dirtied meanwhile; the writer waits for the checkpoint rather than go past that). The
     * table's private memory is that plus the written-back pages it keeps, up to {@link #withPrivateMemoryLimit}. The
     * dirty limit also sets the write cost of random updates to a table larger than the limit: every checkpoint writes
     * each dirty 4 KiB page twice (double-write, then in place), however few entries changed in it, so a small limit
     * means many checkpoints that each rewrite pages for a few entries.
     *
     * @param dirtyLimitBytes dirty page bytes that trigger a checkpoint (at least 4096)
     * @param journalLimitBytes journal bytes since the last checkpoint that trigger one (at least 4096)
     * @param interval the longest time between checkpoints (positive)
     * @return a copy of these options with that change
     * @throws IllegalArgumentException if a limit is below 4096 or the interval is not positive
     */
    public Options withCheckpointTriggers(long dirtyLimitBytes, long journalLimitBytes, Duration interval) {
        OptionChecks.checkpointLimits(dirtyLimitBytes, journalLimitBytes);
        Duration every = OptionChecks.positive(interval, "checkpoint interval");
        return with(o -> o.checkpoints = checkpoints.withLimits(dirtyLimitBytes, journalLimitBytes, every));
    }

    /**
     * Private page memory the table may keep after a checkpoint (default: a quarter of the machine's memory, at least
     * twice the default dirty limit). The table file is mapped copy-on-write, so every page the writer changes becomes
     * this process's own memory until it is released ({@code madvise(MADV_DONTNEED)}) after a checkpoint wrote it back.
     * Releasing bounds memory but costs the next write to that page two page faults (map the file's page, copy it); on
     * a table larger than the dirty limit, random puts would pay them on nearly every put. So checkpoints release
     * written-back pages only as far as the private pages exceed this limit. 0 releases every written-back page the
     * writer has not changed since.
     *
     * @param bytes private page bytes to keep (at least 0)
     * @return a copy of these options with that change
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public Options withPrivateMemoryLimit(long bytes) {
        OptionChecks.privateMemoryLimit(bytes);
        return with(o -> o.checkpoints = checkpoints.withPrivateMemoryLimit(bytes));
    }

    /**
     * Whether triggered checkpoints run on a checkpoint thread beside the writer (the default: writes go on while the
     * checkpoint writes, its snapshot taken lazily) or on the holder of the writer role, which then waits for them. In
     * the writer role every durable operation happens in one deterministic order, which the crash tests that enumerate
     * failure points use. Explicit {@link BucketDB#checkpoint()} and {@link BucketDB#close()} always wait.
     *
     * @param background true for a checkpoint thread, false for the holder of the writer role
     * @return a copy of these options with that change
     */
    public Options withCheckpointsInBackground(boolean background) {
        return with(o -> o.checkpoints = checkpoints.withBackground(background));
    }

    /**
     * Whether background threads finish a growth in steps once writes pause, so gets stop looking in old buckets, and
     * prepare the next doubling's space and journal segment (default true); off, durable operations follow the writes.
     *
     * @param idle true to finish growths while writes pause
     * @return a copy of these options with that change
     */
    public Options withIdleEvacuation(boolean idle) {
        return with(o -> o.idleEvacuation = idle);
    }

    /**
     * If the journal holds an invalid record followed by valid ones (damage, not a torn tail), open truncates it there
     * and reports the records dropped in {@link BucketDB#recovery()}, instead of failing with a {@link
     * io.bucketdb.spi.CorruptIndexException} (the default).
     *
     * @param truncate true to truncate a damaged journal instead of failing
     * @return a copy of these options with that change
     */
    public Options withTruncateOnDamage(boolean truncate) {
        return with(o -> o.truncateOnDamage = truncate);
    }

    /**
     * Bytes each journal segment file is preallocated to (default 64 MiB), so appends never change file metadata; a
     * record larger than a segment gets a segment of its own size. Small segments roll often (tests use them).
     *
     * @param bytes the segment size: a multiple of 8, with room for a segment's header and one record
     * @return a copy of these options with that change
     * @throws IllegalArgumentException if the size is not a valid segment size
     */
    public Options withJournalSegmentSize(long bytes) {
        return with(o -> o.journal = journal.withSegmentSize(bytes));
    }

    /**
     * Initial size of the buffer in which the journal encodes a group of records before its one write (default 1 MiB);
     * it grows for larger groups.
     *
     * @param bytes the initial buffer size, at least one smallest record frame
     * @return a copy of these options with that change
     * @throws IllegalArgumentException if the buffer cannot hold the smallest frame
     */
    public Options withJournalBufferSize(int bytes) {
        return with(o -> o.journal = journal.withBufferSize(bytes));
    }

    /**
     * How many journal segment files a checkpoint recycles for reuse instead of deleting them (default 2): spares spare
     * later segment rolls the preallocation, and cost their disk space while unused.
     *
     * @param count segment files kept for reuse (0 or more)
     * @return a copy of these options with that change
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public Options withSpareJournalSegments(int count) {
        return with(o -> o.journal = journal.withMaxSpareSegments(count));
    }

    /**
     * The write pipeline: ring entries (a power of two, default 1024: how many writes may wait to be journaled and
     * applied) and how long a writer waits for a free entry when the ring is full before failing with a {@link
     * java.util.concurrent.RejectedExecutionException} (null, the default: wait as long as it takes).
     *
     * @param ringSize ring entries, a power of two
     * @param publishTimeout how long a writer waits for a free entry, or null for as long as it takes
     * @return a copy of these options with that change
     * @throws IllegalArgumentException if {@code ringSize} is not a power of two or the timeout is not positive
     */
    public Options withPipeline(int ringSize, Duration publishTimeout) {
        OptionChecks.ringSize(ringSize);
        return with(o -> {
            o.ringSize = ringSize;
            o.publishTimeout = publishTimeout == null ? null : OptionChecks.positive(publishTimeout, "publish timeout");
        });
    }

    /**
     * How the {@code bucketdb-background} thread waits for work (default {@link WaitStrategy#PARK}: no CPU while idle).
     * {@link WaitStrategy#YIELD} and {@link WaitStrategy#BUSY_SPIN} hand writes over faster but keep
     * a core busy for as long as the index is open; see {@link WaitStrategy}.
     *
     * @throws NullPointerException if {@code strategy} is null
     * @param strategy how the background thread waits
     * @return a copy of these options with that change
     */
    public Options withWaitStrategy(WaitStrategy strategy) {
        Objects.requireNonNull(strategy, "wait strategy must not be null (WaitStrategy.PARK is the default)");
        return with(o -> o.waitStrategy = strategy);
    }

    /** {@return these options as {@code with…} calls would set them, for logs and error messages (sizes in bytes)} */
    @Override
    public String toString() {
        return OptionsText.describe(this);
    }

    /** {@return the key width in bytes for a new index} */
    public int keyWidth() {
        return shape.keyWidth();
    }

    /** {@return the value width in bytes for a new index} */
    public int valueWidth() {
        return shape.valueWidth();
    }

    /** {@return whether a new index gets variable-length keys} */
    public boolean variableKeys() {
        return shape.keyInline() > 0;
    }

    /** {@return whether a new index gets variable-length values} */
    public boolean variableValues() {
        return shape.valueInline() > 0;
    }

    /** {@return the key slot width a new index gets: the key width, or the variable-length slot's width} */
    public int keySlotWidth() {
        return shape.keySlotWidth();
    }

    /** {@return the value slot width a new index gets: the value width (also out of line), or the variable-length slot's width} */
    public int valueSlotWidth() {
        return shape.valueSlotWidth();
    }

    /** {@return the header flags a new index gets ({@code VAR_KEYS}, {@code VAR_VALUES}, {@code OUTLINE_VALUES})} */
    public int tableFlags() {
        return shape.tableFlags();
    }

    /** {@return {@link #withValuesOutOfLine}'s choice, or null where none was made (a value's width decides)} */
    public Boolean valuesOutOfLine() {
        return shape.outOfLine();
    }

    /** {@return the longest variable-length key accepted (default 64 KiB)} */
    public int maxKeyLength() {
        return journal.maxKeyLength();
    }

    /** {@return the longest variable-length value accepted (default 256 MiB)} */
    public int maxValueLength() {
        return journal.maxValueLength();
    }

    /** {@return whether {@link #withKeyWidth} or {@link #withValueWidth} was called} */
    public boolean widthsSet() {
        return widthsSet;
    }

    /** {@return the entries a new index is sized for (see {@link #withExpectedEntries})} */
    public long expectedEntries() {
        return expectedEntries;
    }

    /** {@return whether a missing index is created} */
    public boolean createIfMissing() {
        return createIfMissing;
    }

    /** {@return whether the index is opened read-only} */
    public boolean readOnly() {
        return readOnly;
    }

    /** {@return log2 of the alignment unit of a new index} */
    public int alignShift() {
        return alignShift;
    }

    /** {@return log2 of the largest mapped chunk} */
    public int maxChunkShift() {
        return maxChunkShift;
    }

    /** {@return the fixed seed, or null for a random one} */
    public Long hashSeed() {
        return hashSeed;
    }

    /** {@return the durable I/O implementation} */
    public DurableIO durableIO() {
        return io;
    }

    /** {@return when writes are acknowledged} */
    public Durability durability() {
        return durability;
    }

    /** {@return how often {@link Durability#ASYNC} forces the journal} */
    public Duration asyncForceInterval() {
        return asyncForceInterval;
    }

    /** {@return the dirty page bytes that trigger a checkpoint} */
    public long dirtyLimitBytes() {
        return checkpoints.dirtyLimitBytes();
    }

    /** {@return the private page bytes the table keeps after a checkpoint before it releases written-back pages} */
    public long privateMemoryLimitBytes() {
        return checkpoints.privateMemoryLimitBytes();
    }

    /** {@return the journal bytes since the last checkpoint that trigger one} */
    public long journalLimitBytes() {
        return checkpoints.journalLimitBytes();
    }

    /** {@return the longest time between checkpoints} */
    public Duration checkpointInterval() {
        return checkpoints.interval();
    }

    /** {@return whether triggered checkpoints run on a checkpoint thread beside the writer} */
    public boolean checkpointsInBackground() {
        return checkpoints.background();
    }

    /** {@return whether a growth is finished while writes pause} */
    public boolean idleEvacuation() {
        return idleEvacuation;
    }

    /** {@return whether open truncates a damaged journal instead of failing} */
    public boolean truncateOnDamage() {
        return truncateOnDamage;
    }

    /** {@return the bytes each journal segment file is preallocated to} */
    public long journalSegmentSize() {
        return journal.segmentSize();
    }

    /** {@return the initial size of the journal's group buffer} */
    public int journalBufferSize() {
        return journal.bufferSize();
    }

    /** {@return how many recycled journal segment files are kept for reuse} */
    public int spareJournalSegments() {
        return journal.maxSpareSegments();
    }

    /** {@return the entries of the write pipeline's ring} */
    public int ringSize() {
        return ringSize;
    }

    /** {@return how long a writer waits for a ring entry, or null for as long as it takes} */
    public Duration publishTimeout() {
        return publishTimeout;
    }

    /** {@return how the {@code bucketdb-background} thread waits for work} */
    public WaitStrategy waitStrategy() {
        return waitStrategy;
    }
}
