package io.bucketdb.table;

import io.bucketdb.recovery.JournalRecord;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.Header;
import io.bucketdb.storage.TableFile;
import io.bucketdb.storage.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Replay of evacuation steps that no write caused (issue 16): a table that took idle steps between its writes is
 * reproduced byte for byte by replaying its journal, also when the journal is cut anywhere (a crash inside an idle
 * step keeps a prefix of its markers, and the table replay makes equals the live table after that many buckets), and
 * a marker that cannot be an idle step of the table is a {@link CorruptIndexException}.
 */
class IdleReplayTest {
    @TempDir
    Path tmp;

    /** The journal of a live table: its writes' records and its growth markers, in the order they were appended. */
    private static final class Journal implements GrowthMarkers.Sink {
        final List<JournalRecord> records = new ArrayList<>();
        /** For each record, the live state it belongs to: commands done before it, and buckets into an idle step. */
        final List<long[]> causes = new ArrayList<>();
        long[] cause = {0, 0};
        /** Idle steps the live table took while splitting in place (the others evacuated into a new array). */
        long idleSplits;

        void add(JournalRecord r) {
            records.add(r);
            causes.add(cause);
        }

        @Override
        public void appendMarker(JournalRecord marker) {
            add(marker);
        }

        @Override
        public void appendEvacuated(long oldBucket) {
            add(new JournalRecord.Evacuated(oldBucket));
        }
    }

    /** A command of the live workload: a put or delete of key {@code key}, or an idle step of {@code buckets}. */
    private record Command(boolean idle, long key, long value, boolean delete, int buckets) {
    }

    private static byte[] bytes(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    private static TableFile newFile(Path path, long seed) throws IOException {
        return TableFile.create(FileDurableIO.INSTANCE, path, 8, 8, 16, seed, 16);
    }

    private static List<Command> workload(SplittableRandom rnd, int n) {
        List<Command> commands = new ArrayList<>();
        int keyRange = 2_000 + rnd.nextInt(8_000);
        for (int i = 0; i < n; i++) {
            int dice = rnd.nextInt(100);
            if (dice < 8) {
                // Mostly short pauses, sometimes one long enough to end the growth.
                commands.add(new Command(true, 0, 0, false, rnd.nextInt(10) == 0 ? 1 << 12 : 1 + rnd.nextInt(40)));
            } else {
                commands.add(new Command(false, rnd.nextInt(keyRange), rnd.nextLong(), dice < 16, 0));
            }
        }
        return commands;
    }

    /**
     * Runs {@code commands[0..upTo)} and then {@code buckets} buckets of the idle step {@code commands[upTo]} on a
     * new table journaling into {@code journal}; each idle bucket is one {@link HashTable#evacuateIdle} step of 1.
     * Returns the number of idle commands during which a growth ended.
     */
    private static int run(HashTable table, Journal journal, List<Command> commands, int upTo, long buckets) throws IOException {
        int growthsEndedIdle = 0;
        for (int i = 0; i <= upTo && i < commands.size(); i++) {
            Command c = commands.get(i);
            if (!c.idle()) {
                if (i == upTo) {
                    break;
                }
                journal.cause = new long[]{i + 1, 0};
                if (c.delete()) {
                    journal.add(new JournalRecord.Delete(bytes(c.key())));
                    table.delete(bytes(c.key()));
                } else {
                    journal.add(new JournalRecord.Put(bytes(c.key()), bytes(c.value())));
                    table.put(bytes(c.key()), bytes(c.value()));
                }
                continue;
            }
            boolean wasGrowing = table.growing();
            long limit = i == upTo ? buckets : c.buckets();
            for (int j = 0; j < limit && table.growing(); j++) {
                journal.cause = j + 1 == c.buckets() ? new long[]{i + 1, 0} : new long[]{i, j + 1};
                if (table.snapshot().inPlace) {
                    journal.idleSplits++;
                }
                table.evacuateIdle(1);
            }
            journal.cause = new long[]{i + 1, 0};
            if (wasGrowing && !table.growing()) {
                growthsEndedIdle++;
            }
        }
        return growthsEndedIdle;
    }

    private static HashTable live(TableFile file, Journal journal) throws IOException {
        GrowthMarkers markers = new GrowthMarkers();
        HashTable t = HashTable.create(file, markers);
        markers.live(journal);
        return t;
    }

    private static JournalReplayer replay(HashTable table, GrowthMarkers markers, List<JournalRecord> records, int upTo, Path dir)
            throws IOException {
        JournalReplayer replayer = new JournalReplayer(table, markers, dir);
        for (int r = 0; r < upTo; r++) {
            replayer.accept(r + 1, records.get(r));
        }
        return replayer;
    }

    /** Every header field and every byte up to the file's end are equal. */
    private static void assertSameTable(TableFile expected, TableFile actual, String where) throws Exception {
        Header a = expected.header();
        Header b = actual.header();
        for (Field f : Header.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            Object x = f.get(a);
            Object y = f.get(b);
            boolean same = x instanceof long[] xs ? Arrays.equals(xs, (long[]) y) : x.equals(y);
            assertTrue(same, where + ": header field " + f.getName() + " is " + y + ", live " + x);
        }
        long end = a.fileEnd;
        for (long off = 0; off < end; ) {
            MemorySegment sa = expected.mapping().segment(off);
            MemorySegment sb = actual.mapping().segment(off);
            long la = expected.mapping().local(off);
            long n = Math.min(sa.byteSize() - la, end - off);
            long mismatch = MemorySegment.mismatch(sa, la, la + n, sb, actual.mapping().local(off), actual.mapping().local(off) + n);
            if (mismatch >= 0) {
                fail(where + ": the replayed table differs from the live one at file offset " + (off + mismatch));
            }
            off += n;
        }
    }

    @Test
    void replayOfIdleStepsReproducesTheLiveTableByteForByte() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            List<Command> commands = workload(rnd, 30_000);
            Journal journal = new Journal();
            try (TableFile liveFile = newFile(tmp.resolve("live.bdb"), seed);
                 TableFile replayFile = newFile(tmp.resolve("replay.bdb"), seed)) {
                HashTable table = live(liveFile, journal);
                int endedIdle = run(table, journal, commands, commands.size(), 0);
                GrowthMarkers markers = new GrowthMarkers();
                HashTable replayed = HashTable.create(replayFile, markers);
                JournalReplayer replayer = replay(replayed, markers, journal.records, journal.records.size(), tmp);
                assertSameTable(liveFile, replayFile, "whole journal");
                assertTrue(replayer.idleSteps() > 100, "idle steps replayed: " + replayer.idleSteps());
                // Replay reports an idle in-place split to its listener as it does a write's, and takes the step off the
                // queue again (Evacuator.replayIdleStep): the pending check below holds for those too.
                assertTrue(journal.idleSplits > 0, "no idle step split in place: " + journal.idleSplits);
                assertTrue(endedIdle > 0, "no growth ended during an idle step");
                assertTrue(replayer.markersChecked() > replayer.idleSteps(), "markers of writes were checked too");
                assertEquals(0, markers.pending(), "every step replay took was journaled");
            }
        });
    }

    /**
     * A crash keeps a prefix of the journal; cut anywhere, inside an idle step's markers or right after the marker
     * of the step that ended a growth (its grow-end marker lost), replay gives the live table as it was after the
     * commands and idle buckets that prefix journaled.
     */
    @Test
    void replayOfAJournalCutAnywhereGivesTheLiveTableAtThatPoint() throws Exception {
        long seed = Seeds.seed();
        Seeds.run(seed, () -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            List<Command> commands = workload(rnd, 6_000);
            Journal journal = new Journal();
            try (TableFile liveFile = newFile(tmp.resolve("live.bdb"), seed)) {
                run(live(liveFile, journal), journal, commands, commands.size(), 0);
            }
            int cuts = Seeds.torture() ? 400 : 40;
            int insideIdle = 0;
            for (int c = 0; c < cuts; c++) {
                int cut;
                if (c % 2 == 0) {
                    cut = 1 + rnd.nextInt(journal.records.size());
                } else {
                    // Right after an idle step's marker: the crash cut that step or the growth's end behind it.
                    int from = rnd.nextInt(journal.records.size());
                    cut = from;
                    while (cut < journal.records.size() && journal.causes.get(cut)[1] == 0) {
                        cut++;
                    }
                    cut = Math.min(cut + 1, journal.records.size());
                }
                long[] at = journal.causes.get(cut - 1);
                insideIdle += at[1] != 0 ? 1 : 0;
                String where = "journal cut after record " + cut + " of " + journal.records.size() + " (command " + at[0]
                        + ", idle bucket " + at[1] + ")";
                Path l = tmp.resolve("l" + c + ".bdb");
                Path r = tmp.resolve("r" + c + ".bdb");
                try (TableFile liveFile = newFile(l, seed); TableFile replayFile = newFile(r, seed)) {
                    run(live(liveFile, new Journal()), new Journal(), commands, (int) at[0], at[1]);
                    GrowthMarkers markers = new GrowthMarkers();
                    replay(HashTable.create(replayFile, markers), markers, journal.records, cut, tmp);
                    assertSameTable(liveFile, replayFile, where);
                }
                java.nio.file.Files.delete(l);
                java.nio.file.Files.delete(r);
            }
            assertTrue(insideIdle > 0, "no cut fell inside an idle step");
        });
    }

    @Test
    void anIdleMarkerWithNoGrowthIsCorrupt() throws Exception {
        try (TableFile file = newFile(tmp.resolve("t.bdb"), 1)) {
            GrowthMarkers markers = new GrowthMarkers();
            HashTable table = HashTable.create(file, markers);
            CorruptIndexException e = assertThrows(CorruptIndexException.class,
                    () -> replay(table, markers, List.of(new JournalRecord.Evacuated(0)), 1, tmp));
            assertTrue(e.getMessage().contains("no growth is in progress"), e.getMessage());
        }
    }

    @Test
    void anIdleMarkerAwayFromTheEvacuationMarkIsCorrupt() throws Exception {
        Journal journal = new Journal();
        try (TableFile liveFile = newFile(tmp.resolve("live.bdb"), 3); TableFile replayFile = newFile(tmp.resolve("r.bdb"), 3)) {
            HashTable table = live(liveFile, journal);
            long k = 0;
            while (!table.growing()) {
                journal.add(new JournalRecord.Put(bytes(k), bytes(k)));
                table.put(bytes(k), bytes(k));
                k++;
            }
            long mark = table.growthProgress()[0];
            List<JournalRecord> records = new ArrayList<>(journal.records);
            records.add(new JournalRecord.Evacuated(mark + 1));
            GrowthMarkers markers = new GrowthMarkers();
            CorruptIndexException e = assertThrows(CorruptIndexException.class,
                    () -> replay(HashTable.create(replayFile, markers), markers, records, records.size(), tmp));
            assertTrue(e.getMessage().contains("which is old bucket " + mark), e.getMessage());
            assertTrue(e.getMessage().contains("LSN " + records.size()), "names the marker's LSN: " + e.getMessage());
        }
    }
}
