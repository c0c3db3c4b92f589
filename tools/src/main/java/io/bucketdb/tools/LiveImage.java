package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.recovery.JournalCheck;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.PageChecksums;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The checkpoint image on disk of an index, for {@code stat}'s figures next to its read-only view: how old the image
 * is, whether a writer holds the lock, and how much journal follows the image. The header stores no time, so the
 * image's time is the modification time of the page checksum file of its generation, which the checkpoint
 * that made the image wrote just before it installed the header (the table file's own time also moves when
 * a writer preallocates space, so it would say less); the table file's time stands in if that file is missing.
 *
 * @param holder       who holds the writer lock, as the lock file names them; null if no writer has the index open
 * @param imageTime    when the checkpoint of this image was written
 * @param generation   the header generation of the image
 * @param checkpointLsn the LSN the image holds every record up to
 * @param journalRecords records after the checkpoint in the journal, not in this view; -1 if unreadable
 * @param journalBytes the bytes they take; -1 if unreadable
 */
record LiveImage(String holder, Instant imageTime, long generation, long checkpointLsn, long journalRecords, long journalBytes) {

    static LiveImage of(IndexInspector in) throws IOException {
        Header h = in.header();
        String holder = BucketDB.writerLockHolder(in.directory()).orElse(null);
        Path sums = PageChecksums.path(in.directory(), h.generation);
        Instant time = Files.getLastModifiedTime(Files.exists(sums) ? sums : in.file()).toInstant();
        long records = -1;
        long bytes = -1;
        try {
            JournalCheck j = in.journalCheck();
            records = j.records();
            bytes = j.recordBytes();
        } catch (IOException e) {
            // a live writer recycled a segment while we read: the line leaves the journal out
        }
        return new LiveImage(holder, time, h.generation, h.checkpointLsn, records, bytes);
    }

    boolean live() {
        return holder != null;
    }

    long ageMillis() {
        return Math.max(0, Duration.between(imageTime, Instant.now()).toMillis());
    }

    /** Adds the fields {@code stat --json} prints for this. */
    void putInto(Map<String, Object> m) {
        m.put("live", live());
        m.put("lockHolder", holder);
        m.put("imageTime", imageTime.toString());
        m.put("imageAgeMillis", ageMillis());
        m.put("journalRecordsSinceImage", journalRecords);
        m.put("journalBytesSinceImage", journalBytes);
    }

    static String age(long millis) {
        long secs = millis / 1000;
        if (secs < 120) {
            return secs + " s";
        }
        if (secs < 7200) {
            return secs / 60 + " min";
        }
        if (secs < 2 * 86400) {
            return secs / 3600 + " h";
        }
        return secs / 86400 + " days";
    }
}
