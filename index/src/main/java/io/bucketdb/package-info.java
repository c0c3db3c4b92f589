/**
 * BucketDB: a persistent hash index for the JVM, a key → value map in memory-mapped files that
 * opens instantly at any size, keeps every acknowledged write through a crash or power loss, and
 * grows without pauses.
 *
 * <h2>Open, put, get, close</h2>
 * <pre>{@code
 * try (BucketDB db = BucketDB.open(Path.of("/data/idx"))) {         // created if missing: 8-byte keys and values
 *     db.putLong(42, 4200);                                         // returns once acknowledged (see below)
 *     long v = db.getLong(42, -1);                                  // 4200; -1 when absent
 *     Cursor c = db.cursor();                                       // every entry once, even while the table grows
 *     while (c.next()) {
 *         System.out.println(c.keyLong() + " -> " + c.valueLong());
 *     }
 *     ConcurrentMap<Long, Long> map = db.asMap(Codec.LONG, Codec.LONG);     // the same entries, typed
 * }                                                                 // close checkpoints: the next open replays nothing
 * }</pre>
 * Other widths are chosen when the index is created, with {@link io.bucketdb.Options#withKeyWidth} and
 * {@link io.bucketdb.Options#withValueWidth}; {@link io.bucketdb.BucketDB#put(byte[], byte[])} and
 * {@link io.bucketdb.BucketDB#get(byte[])} take arrays of exactly those widths, and
 * {@link io.bucketdb.BucketDB#asMap} maps Java types onto them through {@link io.bucketdb.Codec}s: a map of
 * {@code UUID} keys needs an index created with 16-byte keys, for example by
 * {@code Options.defaults().withCodecs(Codec.UUID, Codec.LONG)} ({@link io.bucketdb.Options#withCodecs}).
 * {@link io.bucketdb.WriteBatch} groups puts and deletes that are applied all or none.
 *
 * <h2>Durability: what is acknowledged when</h2>
 * Every write is first a record in a journal; the table file itself changes only at checkpoints, so a
 * crash at any moment leaves a checkpoint image plus a journal, and the next open replays it
 * ({@link io.bucketdb.BucketDB#recovery()} tells what it did). A write is <em>acknowledged</em> when
 * {@code put…}/{@code delete…}/{@code write} returns, or the future of its {@code …Async} variant completes:
 * <ul>
 *   <li>{@link io.bucketdb.Durability#SYNC} (the default): after the force of the journal that covers it.
 *       An acknowledged write survives a power loss. Concurrent writers share forces (group commit), so
 *       keep several writes in flight (the async calls, or several threads) for throughput.</li>
 *   <li>{@link io.bucketdb.Durability#ASYNC}: after the journal write reaches the operating system; the
 *       journal is forced every {@link io.bucketdb.Options#withAsyncForceInterval interval} (100 ms by
 *       default). A process crash loses nothing acknowledged; a power loss may lose the last interval.</li>
 * </ul>
 * In both modes a crash or power loss never leaves a corrupt index. After a failed write or force the
 * index acknowledges nothing more and turns read-only until it is reopened.
 *
 * <h2>Threads</h2>
 * One process at a time opens an index for writing (an OS file lock; others may open it read-only with
 * {@link io.bucketdb.Options#withReadOnly}). Inside it, writes are serialized by one writer role, not a
 * thread: a caller that finds the role free takes it and, for its own write and every write published
 * behind it, journals them, forces once, applies them to the table and completes the callers' calls;
 * the {@code bucketdb-background} thread takes it only for work no caller will do (asynchronous writes left
 * with the role free, finishing a growth while writes pause). The {@code bucketdb-timer} thread leads its own
 * ticks (the {@code ASYNC} force, the interval checkpoint), and a checkpoint writes on a thread of its own beside
 * the writer. Readers ({@code get…}, {@code contains…}, cursors, the map view's reads) run on
 * the callers' threads without locks, concurrently with the writer, growth and checkpoints, and never see
 * a torn entry or part of a {@link io.bucketdb.WriteBatch}. All methods of {@link io.bucketdb.BucketDB}
 * are safe to call from any thread. A {@link io.bucketdb.Cursor} (and an iterator of the map view) serves one
 * thread at a time: it may pass between threads between calls, and two threads using it at once get a
 * {@link java.util.ConcurrentModificationException}. A {@link io.bucketdb.WriteBatch} being built belongs to one
 * thread.
 *
 * <p>Interrupts do not cancel anything. {@code open}, a blocking write, {@code write(batch)}, a {@link io.bucketdb.BulkLoad}
 * flush, a map operation, {@code checkpoint()}, {@code refresh()} and {@code close()} called on an interrupted
 * thread, or interrupted while they wait, finish their work (the write is in the pipeline either way, and is
 * acknowledged as any other) and return with the thread's interrupt status still set. An interrupt of a thread
 * that is doing file I/O for other writers at that moment (leading their group) fails none of them.
 *
 * <h2>Observing it</h2>
 * {@link io.bucketdb.BucketDB#stats()} returns the index's numbers ({@link io.bucketdb.Stats}, what
 * {@code bucketdb stat} prints), {@link io.bucketdb.BucketDB#growth()} where growth stands, and
 * {@link io.bucketdb.BucketDB#batchSizes()} how many writes shared each group commit. JFR events in category
 * "BucketDB" ({@code io.bucketdb.GrowthStart}, {@code GrowthEnd}, {@code Evacuation}, {@code Checkpoint},
 * {@code JournalForce}, {@code Recovery}) show growth, checkpoints, forces and recovery in JDK Mission
 * Control or {@code jfr print --events 'io.bucketdb.*' rec.jfr}.
 */
package io.bucketdb;
