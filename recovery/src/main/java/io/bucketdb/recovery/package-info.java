/**
 * The journal, checkpoints and replay on open (DESIGN.md, section 3).
 *
 * <p>The journal is a directory of preallocated segment files ({@link io.bucketdb.recovery.JournalSegmentLayout})
 * holding checksummed, LSN-numbered record frames ({@link io.bucketdb.recovery.JournalRecordLayout}) of
 * the {@link io.bucketdb.recovery.JournalRecord} types. {@link io.bucketdb.recovery.JournalWriter}
 * appends them in groups, one write and at most one force per batch;
 * {@link io.bucketdb.recovery.JournalReader} replays them after a checkpoint and tells a crash's torn
 * tail from damage. Every byte goes through {@link io.bucketdb.storage.DurableIO}.
 *
 * <h2>The files of an index directory</h2>
 * <ul>
 *   <li>{@code journal-<sequence>.log}: journal segments, preallocated to
 *       {@link io.bucketdb.recovery.JournalOptions#segmentSize()} while the index is open;
 *       {@code journal-<sequence>.spare}: segments a checkpoint recycled, kept for reuse by later rolls;</li>
 *   <li>{@value io.bucketdb.recovery.DoubleWriteLayout#FILE_NAME}: the double-write area of the last checkpoint
 *       ({@link io.bucketdb.recovery.DoubleWriteLayout}); it keeps the size of the largest checkpoint since open;</li>
 *   <li>{@code page-checksums-0.bdb} and {@code -1.bdb}: the page checksums of the last two checkpoint
 *       generations ({@link io.bucketdb.storage.PageChecksumsLayout}), and the table file itself.</li>
 * </ul>
 *
 * <p><b>After a clean close</b> (the closing checkpoint's header forced,
 * {@link io.bucketdb.recovery.JournalWriter#closeAfterCheckpoint} and
 * {@link io.bucketdb.recovery.Checkpointer#closeTrimmed}) the journal is a single segment of
 * {@link io.bucketdb.recovery.JournalSegmentLayout#HEADER_LENGTH} bytes whose first LSN is the one after the
 * checkpoint, with no spares, and the double-write file holds only the closing checkpoint's head and header image
 * ({@link io.bucketdb.recovery.DoubleWriteLayout#BODY} + {@link io.bucketdb.recovery.DoubleWriteLayout#PAGE}
 * = 8 KiB, no pages: they are in place), from which an open still repairs a live header slot damaged at rest. Opening it reads the segment's
 * header and no frame, and preallocates the segment again before the first append. A crash part-way through
 * that close leaves older segments or the old double-write batch behind; both are ignored (replay starts at
 * the last segment whose first LSN is at or below the checkpoint's next, and a batch no newer than the live
 * header is never finished) and the next clean close removes them.
 */
package io.bucketdb.recovery;
