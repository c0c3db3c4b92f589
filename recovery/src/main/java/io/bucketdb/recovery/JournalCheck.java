package io.bucketdb.recovery;

import io.bucketdb.spi.CorruptIndexException;
import java.nio.file.Path;

/**
 * What {@link JournalReader#check} found: the journal judged as opening the index would judge it, without
 * changing a byte.
 *
 * @param damage     why opening would refuse the journal (file, offset, expected and found), or null
 * @param tornFile   the segment whose tail a crash tore, or null if the journal ends cleanly
 * @param tornOffset where the torn bytes start in {@code tornFile} (the end of the last valid record)
 * @param tornBytes  bytes an open drops there as a torn tail (invalid after the last force, nothing valid
 *                   proving them durable after them); 0 for a clean end or when {@code damage} is set
 * @param records    valid records after the checkpoint LSN that an open would replay (up to the damage)
 * @param recordBytes the journal bytes those records take (frames with their padding)
 * @param lastLsn    the LSN of the last valid record (the checkpoint LSN if none follows it)
 * @param coveredDamage the first invalid frame at or below the checkpoint LSN (file, offset, the record expected
 *                   there and what was found) that replay skipped, resuming at the intact records after it; null
 *                   if none. No replay needs such a frame, so it is not a reason to refuse the journal
 */
public record JournalCheck(CorruptIndexException damage, Path tornFile, long tornOffset, long tornBytes, long records,
                           long recordBytes, long lastLsn, CorruptIndexException coveredDamage) {

    /** {@return whether an open would refuse the journal: {@link #damage()} is set} */
    public boolean damaged() {
        return damage != null;
    }
}
