package io.bucketdb.tools;

import io.bucketdb.inspect.IndexInspector;
import io.bucketdb.storage.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code bucketdb export DIR}: every entry as a JSON Lines record {@code {"key":…,"value":…}}. Reads
 * through the inspector (read-only, no lock), so it exports the last image of a live index.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write every entry as JSON Lines: one {\"key\":...,\"value\":...} per line, in bucket order.",
                "Works on a live index (exports its last image on disk). Shows progress on a terminal only."},
        footer = {"%nExamples:%n  bucketdb export /data/idx --out idx.jsonl%n  bucketdb export /data/idx --format long | head",
                Exit.FOOTER})
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The index directory.")
    Path dir;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "base64",
            description = "base64 (default, exact for any bytes), utf8 (trailing zero bytes trimmed) or long (8-byte keys and values as numbers).")
    Format format;

    @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE instead of standard output.")
    Path outFile;

    @Override
    public Integer call() throws IOException {
        try (IndexInspector in = IndexInspector.open(dir)) {
            LiveImage.report(in, spec.commandLine().getErr(), spec.qualifiedName());
            Header h = in.header();
            // Variable-length sides are checked entry by entry (Format.json), fixed ones here, before any output.
            if (format == Format.LONG && ((!h.varKeys() && h.keyWidth != 8) || (!h.varValues() && h.valueWidth != 8))) {
                throw CliException.usage("--format long needs 8-byte keys and values; " + dir + " has " + h.keyWidth
                        + "-byte keys and " + h.valueWidth + "-byte values");
            }
            Progress progress = new Progress(spec.commandLine().getErr(), Progress.onTerminal() && outFile != null, "export", h.count, "entries");
            long[] n = {0};
            try (Writer w = open()) {
                in.forEach((key, value) -> {
                    w.write("{\"key\":" + Json.value(format.json(key, "key", !h.varKeys())) + ",\"value\":"
                            + Json.value(format.json(value, "value", !h.varValues())) + "}\n");
                    progress.update(++n[0]);
                });
            }
            progress.finish();
            if (outFile != null) {
                spec.commandLine().getOut().println("exported " + Text.count(n[0]) + " entries to " + outFile);
                spec.commandLine().getOut().flush();
            }
        }
        return Exit.OK;
    }

    private Writer open() throws IOException {
        if (outFile == null) {
            // The picocli writer, so tests capture it; never closed here.
            return new BufferedWriter(new java.io.FilterWriter(spec.commandLine().getOut()) {
                @Override
                public void close() throws IOException {
                    flush();
                }
            }, 1 << 16);
        }
        return new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(outFile), StandardCharsets.UTF_8), 1 << 16);
    }
}
