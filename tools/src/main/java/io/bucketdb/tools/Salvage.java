package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Recovery;
import io.bucketdb.inspect.BucketView;
import io.bucketdb.inspect.ChainBucket;
import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.inspect.Slot;
import io.bucketdb.recovery.DamagePolicy;
import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.recovery.JournalReader;
import io.bucketdb.recovery.JournalRecord;
import io.bucketdb.recovery.ReplayReport;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.ExtentClasses;
import io.bucketdb.storage.FileDurableIO;
import io.bucketdb.storage.Header;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bucketdb export --salvage}: every entry of a damaged index that can still be read. The checkpoint image is
 * walked chain by chain with the {@link IndexInspector}, whose reads check each page against its recorded checksum; a
 * chain that touches a failing page (or whose overflow reference leaves the file) is skipped whole, because a chain
 * cannot be followed past a page that is not trusted. The journal records after the checkpoint are then applied on
 * top, as recovery would apply them (batches only when committed), up to the first damaged record. Every skip is
 * listed on stderr, the first {@value #LISTED} one line each, then a count.
 *
 * <p>Memory: the journal's changes are held by key until the image has been walked (an image entry a later record
 * changed or deleted is not written); the journal after a checkpoint is bounded by the checkpoint triggers, the
 * image is streamed.
 */
final class Salvage {
    /** Skips listed one per line; past this, only counted. */
    static final int LISTED = 20;

    /** What the salvage wrote and skipped. */
    record Result(long entries, long skipped) {
    }

    private final Path dir;
    private final Format format;
    private final PrintWriter err;
    private long skipped;

    Salvage(Path dir, Format format, PrintWriter err) {
        this.dir = dir;
        this.format = format;
        this.err = err;
    }

    Result run(Writer w) throws IOException {
        try (IndexInspector in = Views.inspect(dir)) {
            Header h = in.header();
            int vw = Format.valueWidth(h);
            if (format == Format.LONG && ((!h.varKeys() && h.keyWidth != 8) || (vw != Format.ANY_LENGTH && vw != 8))) {
                throw CliException.usage("--format long needs 8-byte keys and values; " + dir + " has " + h.keyWidth
                        + "-byte keys and " + vw + "-byte values");
            }
            Map<ByteBuffer, byte[]> journal = new LinkedHashMap<>();
            long[] last = {h.checkpointLsn, 0};
            String journalDamage = null;
            try {
                ReplayReport r = new JournalReader(FileDurableIO.INSTANCE, dir, JournalOptions.defaults(), !h.cleanClose)
                        .replay(h.checkpointLsn, DamagePolicy.FAIL, new Overlay(journal, last));
                last[0] = Math.max(last[0], r.lastLsn());
            } catch (CorruptIndexException e) {
                journalDamage = e.getMessage();
            }
            Recovery seen = new Recovery(false, 0, last[1], 0, 0, 0, 0, false, h.checkpointLsn, last[0], false);
            err.println(ViewLine.describe(dir, last[0], seen, BucketDB.writerLockHolder(dir)));
            if (journalDamage != null) {
                skip("the journal records after LSN " + last[0] + " (damaged: " + journalDamage + ")");
            }
            ExportShape shape = ExportShape.of(h, format, null);
            ExportCommand.Lines lines = new ExportCommand.Lines(w, shape);
            long n = 0;
            long buckets = 1L << h.b;
            long oldMask = h.growing() ? (1L << h.oldB) - 1 : 0;
            for (long j = 0; j < buckets; j++) {
                BucketView chain;
                try {
                    if (h.growing() && !in.oldEvacuated(j & oldMask)) {
                        if ((j & oldMask) != j) {
                            continue; // the old bucket stands for both of its new buckets: walked once, at its own index
                        }
                        chain = in.oldBucket(j);
                    } else {
                        chain = in.bucket(j);
                    }
                } catch (CorruptIndexException | UncheckedIOException e) {
                    skip("the chain of bucket " + j + " (" + reason(e) + ")");
                    continue;
                }
                for (ChainBucket b : chain.chain()) {
                    for (Slot s : b.slots()) {
                        if (s.tophash() < BucketLayout.MIN_TOPHASH) {
                            continue;
                        }
                        if (s.key() == null || s.value() == null) {
                            skip("the entry in slot " + s.index() + " of the bucket at offset " + b.offset() + " (its "
                                    + (s.key() == null ? "key" : "value") + " cannot be read: its bytes, in the slot or the value heap, lie on a"
                                    + " damaged page or outside the file)");
                            continue;
                        }
                        if (!journal.containsKey(ByteBuffer.wrap(s.key()))) {
                            lines.entry(s.key(), s.value());
                            n++;
                        }
                    }
                }
                if (chain.broken() != null) {
                    skip("the rest of the chain of bucket " + j + " (" + chain.broken() + ")");
                }
            }
            for (Map.Entry<ByteBuffer, byte[]> e : journal.entrySet()) {
                if (e.getValue() != null) {
                    lines.entry(e.getKey().array(), e.getValue());
                    n++;
                }
            }
            if (skipped > LISTED) {
                err.println("export --salvage: skipped " + Text.count(skipped) + " parts in all (" + Text.count(skipped - LISTED)
                        + " more than listed)");
            }
            return new Result(n, skipped);
        }
    }

    private void skip(String what) {
        if (++skipped <= LISTED) {
            err.println("export --salvage: skipped " + what);
        }
    }

    private static String reason(Exception e) {
        Throwable t = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
        if (t instanceof CorruptIndexException c) {
            return c.getMessage() + " (page " + (c.offset() >>> ExtentClasses.PAGE_SHIFT) + ")";
        }
        return String.valueOf(t.getMessage());
    }

    /**
     * Collects the journal's changes by key as recovery applies them: puts and deletes at once outside a batch,
     * a batch's only at its commit (a batch cut by a crash was never acknowledged). {@code last} receives the LSN
     * applied up to and the number of operations applied.
     */
    private record Overlay(Map<ByteBuffer, byte[]> changes, long[] last, List<JournalRecord> batch) implements io.bucketdb.recovery.RecordConsumer {
        Overlay(Map<ByteBuffer, byte[]> changes, long[] last) {
            this(changes, last, new ArrayList<>());
        }

        @Override
        public void accept(long lsn, JournalRecord record) {
            switch (record) {
                case JournalRecord.BatchBegin b -> batch.add(b);
                case JournalRecord.BatchCommit c -> {
                    for (JournalRecord op : batch.subList(1, batch.size())) {
                        apply(op);
                    }
                    batch.clear();
                    last[0] = lsn;
                }
                case JournalRecord.Put p -> {
                    if (batch.isEmpty()) {
                        apply(p);
                        last[0] = lsn;
                    } else {
                        batch.add(p);
                    }
                }
                case JournalRecord.Delete d -> {
                    if (batch.isEmpty()) {
                        apply(d);
                        last[0] = lsn;
                    } else {
                        batch.add(d);
                    }
                }
                default -> { } // growth markers and checkpoint notes change no entry
            }
        }

        private void apply(JournalRecord op) {
            switch (op) {
                case JournalRecord.Put p -> changes.put(ByteBuffer.wrap(p.key().clone()), p.value().clone());
                case JournalRecord.Delete d -> changes.put(ByteBuffer.wrap(d.key().clone()), null);
                default -> { }
            }
            last[1]++;
        }
    }
}
