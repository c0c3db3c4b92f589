/**
 * The journal, checkpoints and replay on open (docs/DESIGN.md, "Durability").
 *
 * <p>The journal is a directory of segment files ({@link io.bucketdb.recovery.JournalSegmentLayout})
 * holding checksummed, LSN-numbered record frames ({@link io.bucketdb.recovery.JournalRecordLayout}) of
 * the {@link io.bucketdb.recovery.JournalRecord} types. {@link io.bucketdb.recovery.JournalWriter}
 * appends them in groups, one write and at most one force per batch;
 * {@link io.bucketdb.recovery.JournalReader} replays them after a checkpoint and tells a crash's torn
 * tail from damage. Every byte goes through {@link io.bucketdb.spi.DurableIO}.
 *
 * <h2>The files of an index directory</h2>
 * <ul>
 *   <li>{@code journal-<sequence>.log}: journal segments of up to
 *       {@link io.bucketdb.recovery.JournalOptions#segmentSize()} bytes, allocated as writes reach them;
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
 * header and no frame, and allocates the segment's blocks as appends reach them. A crash part-way through
 * that close leaves older segments or the old double-write batch behind; both are ignored (replay starts at
 * the last segment whose first LSN is at or below the checkpoint's next, and a batch no newer than the live
 * header is never finished); the next open retires the segments before it appends, and the next clean close
 * removes the batch.
 *
 * <h2>What is guaranteed, and when</h2>
 * <ul>
 *   <li><b>Opening for writing</b> first makes the header say durably that the index is not closed cleanly (a
 *       checkpoint without pages). From then on an open insists on the journal after the checkpoint: a missing
 *       journal, or one whose only segment has no valid header, is a {@link io.bucketdb.spi.CorruptIndexException},
 *       not an empty journal, unless the open asks to truncate at damage.</li>
 *   <li><b>No segment vanishes unnoticed.</b> A gap between segments, a later segment without a valid header, and the
 *       loss of the newest segment are damage. For the newest one the evidence is the roll frame
 *       ({@link io.bucketdb.recovery.SegmentRoll}) that ends the segment before it: written and forced only after the
 *       new segment is durable, and before any record goes there. A newest segment that no roll made (a recovery's
 *       fresh one, a clean close's header-only one) gets records only once the older segments are retired durably
 *       ({@link io.bucketdb.recovery.JournalWriter#openFresh}, and {@link io.bucketdb.recovery.JournalWriter#open}
 *       after a clean close a crash cut short), so its loss is a missing journal, refused as above.</li>
 *   <li><b>A recovery ends with a checkpoint and a new journal.</b> When an open finished a double-write batch,
 *       replayed records, dropped a torn tail, a cut batch or damaged records, the table as replay left it is
 *       checkpointed at the last LSN the journal holds and the journal starts over in a new segment
 *       ({@link io.bucketdb.recovery.JournalWriter#openFresh}). So a crash chain (a life that began with a
 *       recovery, killed before any checkpoint of its own) never replays across the earlier crash: not the
 *       growth steps that replay took (their markers died with the crash), not a batch the crash cut (later
 *       records would be swallowed by it), not a segment roll it interrupted. A crash during recovery leaves
 *       the index as the crash before it did, and the next open recovers again.</li>
 *   <li><b>A failed force</b> ({@code fsync}): on Linux the unforced pages are marked clean without being
 *       written and the error is reported once, so those bytes must be taken as lost although a read in the
 *       same boot still returns them. The index then acknowledges nothing more and fails closed (read-only);
 *       its close writes nothing more to the journal ({@link io.bucketdb.recovery.JournalWriter#abandon}). A
 *       reopen, in the same boot or after a reboot, replays what it can read and makes the result durable by
 *       its checkpoint before it appends anything, in a new segment: nothing is ever built on bytes whose
 *       write-back failed. What a writing open relies on before that checkpoint is installed is written again and
 *       forced first (the same bytes: a force alone would not write pages Linux marked clean), so a power loss during
 *       the open finds it on disk: the header slot it opens at, a double-write batch it finishes, the header and
 *       records of the last segment it replays, and the name of a segment a clean open appends to. A write whose call failed
 *       with an I/O error has an unknown outcome: it may be present after the reopen (its record was read back)
 *       or not. Writes refused before they were
 *       published (closed, read-only, bad argument) never take effect.</li>
 *   <li><b>A full disk</b> ({@code ENOSPC}) is an I/O failure like any other, with partial effects (a short
 *       write, a partly extended file): the index fails closed, and once space is back it opens, recovers and
 *       holds every acknowledged write. Journal segments are allocated as they fill (from
 *       {@link io.bucketdb.recovery.JournalWriter#FIRST_ALLOCATION} doubling), so a cleanly closed index opens
 *       and reads on a full disk; writing needs space again.</li>
 * </ul>
 */
package io.bucketdb.recovery;
