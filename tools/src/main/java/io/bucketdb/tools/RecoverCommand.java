package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.Recovery;
import io.bucketdb.engine.StagedIndex;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.IndexFileNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code bucketdb recover DIR}: runs recovery explicitly (what every writing open does) and says
 * what it did, then checkpoints and closes, so the table file holds everything and the journal is
 * recycled. With {@code --truncate}, damage in the journal (an invalid record followed by valid
 * ones) is cut off there instead of refusing to open, and the dropped records are counted.
 */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = {"Recover an index that was not closed cleanly: finish a compaction killed between its renames, finish an "
                + "interrupted checkpoint, replay the journal after the last checkpoint, drop a torn tail, then checkpoint and close; remove the staging "
                + "directory a crashed build, import or compaction of DIR left beside it (.DIR.bucketdb-new, unless a build holds it). "
                + "Prints what it did.",
                "Takes the writer lock: refuses an index another process has open for writing."},
        footer = {"%nExample:%n  bucketdb recover /data/idx",
                "%nWith damage in the middle of the journal (valid records after an invalid one) recovery refuses, naming the "
                        + "segment and offset; 'bucketdb recover --truncate DIR' cuts the journal there and reports how many "
                        + "records it dropped.",
                Exit.FOOTER})
final class RecoverCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The index directory.")
    Path dir;

    @Option(names = "--truncate", description = "Cut the journal at damage instead of refusing (drops the records after it).")
    boolean truncate;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        // A compaction killed between its renames left no index at DIR: finishing the swap is part of recovering it, as
        // in any writing open (it said "no such index directory" here).
        if (StagedIndex.finishInterrupted(dir)) {
            out.println(dir + ": finished an interrupted compaction; the compacted index is in place");
        }
        if (!Files.isDirectory(dir)) {
            throw new CliException(Exit.IO, dir + (Files.exists(dir) ? " is not a directory: an index is a directory" : ": no such index directory"));
        }
        if (!Files.exists(dir.resolve(IndexFileNames.TABLE))) {
            throw new CliException(Exit.IO, dir + " is not an index: " + IndexFileNames.TABLE + " is missing");
        }
        boolean closedCleanly = closedCleanly(dir);
        Options options = Options.defaults().withCreateIfMissing(false).withDurability(Durability.SYNC).withTruncateOnDamage(truncate);
        long start = System.nanoTime();
        Recovery r;
        long count;
        try (BucketDB db = BucketDB.open(dir, options)) {
            r = db.recovery();
            count = db.size();
        } catch (CorruptIndexException e) {
            if (!truncate && IndexFileNames.isJournal(e.file().getFileName().toString())) {
                throw new CliException(Exit.IO, "the journal is damaged: " + e.getMessage() + "; 'bucketdb recover --truncate " + dir
                        + "' drops the records from there on");
            }
            throw e;
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        out.println(dir + ": " + (r.needed() ? "recovered" : closedCleanly ? "nothing to recover (closed cleanly)"
                : "not closed cleanly; nothing to replay: the last checkpoint held every write (checkpointed again and closed)")
                + " in " + millis + " ms");
        out.println("  checkpoint finished from the double-write file: " + (r.checkpointFinished() ? "yes (" + r.doubleWritePages() + " pages)" : "no"));
        out.println("  journal records replayed:   " + Text.count(r.recordsReplayed()) + " (LSN " + r.checkpointLsn() + " -> " + r.lastLsn()
                + ", " + Text.count(r.markersChecked()) + " growth markers checked, " + Text.count(r.idleSteps())
                + " of them idle evacuation steps)");
        out.println("  torn tail dropped:          " + Text.count(r.tornBytes()) + " bytes");
        out.println("  records dropped at damage:  " + Text.count(r.recordsDropped()) + (truncate ? "" : " (only with --truncate)"));
        if (r.lostFromLsn() > 0) {
            out.println("  missing journal segment:    its writes from LSN " + r.lostFromLsn() + " on are lost; how many"
                    + " is unknown (a roll record named the segment, which is not in the directory)");
        }
        out.println("  unfinished batch dropped:   " + (r.batchDropped() ? "yes" : "no"));
        out.println("  page checksums rebuilt:     " + (r.checksumsRebuilt() ? "yes (their file was missing or damaged)" : "no"));
        if (r.leftoverBytesRemoved() > 0) {
            out.println("  crashed build removed:      " + Text.bytes(r.leftoverBytesRemoved()) + " (the staging directory beside it)");
        }
        out.println("  entries now:                " + Text.count(count));
        out.flush();
        return Exit.OK;
    }

    /**
     * Whether the header the open starts from records a clean close. {@link Recovery#needed()} alone cannot tell: a writer
     * killed right after a checkpoint leaves nothing to replay, yet it was not closed cleanly. False where no header can
     * be read this way (the open then repairs the slot from the double-write file, or refuses).
     */
    private static boolean closedCleanly(Path dir) {
        try (IndexInspector in = IndexInspector.open(dir)) {
            return in.header().cleanClose;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
