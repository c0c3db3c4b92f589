package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Cursor;
import io.bucketdb.Options;
import io.bucketdb.spi.CorruptIndexException;
import io.bucketdb.storage.ExtentClasses;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code bucketdb export DIR}: a first line with the index's shape ({@link ExportShape}), then every entry as a
 * JSON Lines record {@code {"key":…,"value":…}}. Reads through the read-only view ({@code BucketDB.open} with
 * {@code withReadOnly(true)}: no lock, nothing written), whose reads check each table page against its recorded
 * checksum: a page that fails stops the export with exit 1, naming it. {@code --salvage} reads around such pages
 * instead ({@link Salvage}).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write the index's shape as a first line ({\"bucketdb-export\":1,\"format\":...,\"keys\":...,...}: widths or "
                + "variable lengths, inline widths, length limits, entries), then every entry as JSON Lines: one "
                + "{\"key\":...,\"value\":...} per line, in bucket order. 'bucketdb import' into a new directory recreates the same "
                + "shape from that line.",
                "Reads the read-only view of the index (works on a live index; stderr says which LSN it shows). Every table page "
                        + "read is checked against its recorded checksum: a page that fails stops the export with exit 1, naming the "
                        + "file, offset and page (with --out, the incomplete FILE is removed). --salvage exports every entry still "
                        + "readable instead: the checkpoint image's chains whose pages pass, with the journal records after the "
                        + "checkpoint applied on top; it lists what it skipped on stderr and exits 1 if it skipped anything.",
                "Shows progress on a terminal only."},
        footer = {"%nExamples:%n  bucketdb export /data/idx --out idx.jsonl%n  bucketdb export /data/idx --format long | head%n"
                + "  bucketdb export /data/idx | bucketdb import /data/copy -%n"
                + "  bucketdb export /data/damaged --salvage --out rescued.jsonl",
                "%nExit codes: 0 success, 1 a page failed its checksum (the export stopped) or --salvage skipped damaged parts, "
                        + "2 usage error, 3 I/O error (missing, unreadable or damaged index; output that cannot be written)."})
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The index directory.")
    Path dir;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "base64",
            description = "base64 (default, exact for any bytes), hex (exact), utf8 (trailing zero bytes of fixed widths trimmed) "
                    + "or long (8-byte keys and values as numbers).")
    Format format;

    @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE instead of standard output (outside DIR).")
    Path outFile;

    @Option(names = "--salvage", description = "Export every entry still readable from a damaged index, skipping (and listing "
            + "on stderr) the chains on pages that fail their checksum; exit 1 if anything was skipped.")
    boolean salvage;

    @Override
    public Integer call() throws IOException {
        IndexChoices choices = IndexChoices.of(dir); // the inspector's messages for a missing or foreign directory
        checkOutside();
        if (salvage) {
            Salvage.Result r;
            try (Writer w = open()) {
                r = new Salvage(dir, format, spec.commandLine().getErr()).run(w);
            }
            if (outFile != null) {
                spec.commandLine().getOut().println("exported " + Text.count(r.entries()) + " entries to " + outFile
                        + (r.skipped() > 0 ? "; skipped " + Text.count(r.skipped()) + " damaged parts (listed on stderr)" : ""));
                spec.commandLine().getOut().flush();
            }
            return r.skipped() > 0 ? Exit.PROBLEMS : Exit.OK;
        }
        try (BucketDB view = BucketDB.open(dir, Options.defaults().withReadOnly(true))) {
            if (format == Format.LONG && ((!view.variableKeys() && view.keyWidth() != 8) || (!view.variableValues() && view.valueWidth() != 8))) {
                throw CliException.usage("--format long needs 8-byte keys and values; " + dir + " has " + view.keyWidth()
                        + "-byte keys and " + view.valueWidth() + "-byte values");
            }
            ViewLine.print(spec.commandLine().getErr(), dir, view);
            long entries = view.size();
            ExportShape shape = ExportShape.of(view, format, choices, entries);
            Progress progress = new Progress(spec.commandLine().getErr(), Progress.onTerminal() && outFile != null, "export", entries, "entries");
            long n = 0;
            boolean done = false;
            try (Writer w = open()) {
                Lines lines = new Lines(w, shape);
                Cursor c = view.cursor();
                try {
                    while (c.next()) {
                        lines.entry(c.key(), c.value());
                        progress.update(++n);
                    }
                } catch (UncheckedIOException e) {
                    if (e.getCause() instanceof CorruptIndexException damage) {
                        throw damaged(damage, n);
                    }
                    throw e;
                }
                done = true;
            } finally {
                progress.finish();
                if (!done && removable()) {
                    Files.deleteIfExists(outFile); // never leave a partial export that looks whole
                }
            }
            if (outFile != null) {
                spec.commandLine().getOut().println("exported " + Text.count(n) + " entries to " + outFile);
                spec.commandLine().getOut().flush();
            }
        }
        return Exit.OK;
    }

    /**
     * Refuses an --out inside DIR before anything is opened: FILE is truncated when it is opened, so --out DIR/table.bdb
     * would destroy the index that a reading command must leave as it is. The real path of FILE's folder is compared
     * too, so a symbolic link to DIR is no way around it.
     */
    private void checkOutside() throws IOException {
        if (outFile == null) {
            return;
        }
        Path out = outFile.toAbsolutePath().normalize();
        Path folder = out.getParent();
        boolean inside = out.startsWith(dir.toAbsolutePath().normalize())
                || (folder != null && Files.isDirectory(folder) && folder.toRealPath().startsWith(dir.toRealPath()));
        if (inside) {
            throw CliException.usage("--out " + outFile + " must be outside " + dir + ": a file there would overwrite or join "
                    + "the index's own files; nothing was written");
        }
    }

    /**
     * Whether a failed export removes FILE: a regular file only, which it created or truncated. A symbolic link (such as
     * /dev/stdout), a device or a named pipe is no export file to remove: a failed 'export --out /dev/full' unlinked
     * /dev/full.
     */
    private boolean removable() {
        return outFile != null && Files.isRegularFile(outFile, LinkOption.NOFOLLOW_LINKS);
    }

    private CliException damaged(CorruptIndexException damage, long before) {
        return new CliException(Exit.PROBLEMS, "export stopped at damage: " + damage.getMessage() + " (page "
                + (damage.offset() >>> ExtentClasses.PAGE_SHIFT) + "), after " + Text.count(before) + " entries"
                + (removable() ? "; " + outFile + " was removed" : outFile != null ? "; what went to " + outFile + " is incomplete" : "")
                + "; 'bucketdb export --salvage " + dir
                + "' exports every entry still readable, 'bucketdb verify " + dir + "' lists the damage");
    }

    /** The export's writer: FILE, or the command's standard output (never closed here, so tests capture it). */
    private Writer open() throws IOException {
        if (outFile == null) {
            PrintWriter stdout = spec.commandLine().getOut();
            return new BufferedWriter(new java.io.FilterWriter(stdout) {
                @Override
                public void write(char[] cbuf, int off, int len) throws IOException {
                    super.write(cbuf, off, len);
                    failed();
                }

                @Override
                public void close() throws IOException {
                    flush();
                    failed();
                }

                /** PrintWriter swallows write errors; stop reading the index once nothing more can be written. */
                private void failed() throws IOException {
                    if (stdout.checkError()) {
                        throw new IOException(Main.OUTPUT_FAILED);
                    }
                }
            }, 1 << 16);
        }
        return new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(outFile), StandardCharsets.UTF_8), 1 << 16);
    }

    /** Writes the shape line at once, then one record per entry, in the shape's format. */
    static final class Lines {
        private final Writer w;
        private final ExportShape shape;

        Lines(Writer w, ExportShape shape) throws IOException {
            this.w = w;
            this.shape = shape;
            w.write(shape.line());
            w.write('\n');
        }

        void entry(byte[] key, byte[] value) throws IOException {
            Format f = shape.format();
            // Variable-length sides are checked entry by entry here (a long export needs 8-byte ones), fixed ones before.
            w.write("{\"key\":" + Json.value(f.json(key, "key", !shape.varKeys())) + ",\"value\":"
                    + Json.value(f.json(value, "value", !shape.varValues())) + "}\n");
        }
    }
}
