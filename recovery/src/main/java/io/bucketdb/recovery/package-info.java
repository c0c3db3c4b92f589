/**
 * The journal, checkpoints and replay on open (DESIGN.md, section 3).
 *
 * <p>The journal is a directory of preallocated segment files ({@link io.bucketdb.recovery.JournalSegmentLayout})
 * holding checksummed, LSN-numbered record frames ({@link io.bucketdb.recovery.JournalRecordLayout}) of
 * the {@link io.bucketdb.recovery.JournalRecord} types. {@link io.bucketdb.recovery.JournalWriter}
 * appends them in groups, one write and at most one force per batch;
 * {@link io.bucketdb.recovery.JournalReader} replays them after a checkpoint and tells a crash's torn
 * tail from damage. Every byte goes through {@link io.bucketdb.storage.DurableIO}.
 */
package io.bucketdb.recovery;
