package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Cursor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code bucketdb scan DIR}: entries as KEY TAB VALUE lines, read through a read-only view. */
@Command(name = "scan", mixinStandardHelpOptions = true,
        description = {"Print entries as KEY<TAB>VALUE lines on stdout, in hash order (a hash index keeps no key order, "
                + "and each scan starts at another bucket), and the count on stderr.",
                "Reads a read-only view of the index (no lock, nothing written), so it works while a writer has the index "
                        + "open; the line on stderr says which LSN it shows."},
        footer = {"%nExamples:%n  bucketdb scan /data/idx --limit 10%n  bucketdb scan /data/names --format utf8 --prefix user:%n"
                + "  bucketdb scan /data/docs --key-format utf8 --value-format base64 > docs.tsv",
                "%nExit codes: 0 success, 2 usage error, 3 I/O error (missing, unreadable or damaged index; standard output "
                        + "that cannot be written)."})
final class ScanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The index directory.")
    Path dir;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Print at most N entries (default 0: all).")
    long limit;

    @Option(names = "--prefix", paramLabel = "P",
            description = "Only keys that start with the bytes of P, in the key format (utf8, hex or base64; not padded).")
    String prefix;

    @Mixin
    EntryFormats formats;

    @Override
    public Integer call() throws IOException {
        if (limit < 0) {
            throw CliException.usage("--limit must be 0 (all) or more, got " + limit);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (BucketDB view = Views.open(dir)) {
            EntryText text = formats.bind(view);
            byte[] p = prefix == null ? null : text.prefix(prefix);
            ViewLine.print(err, dir, view);
            long shown = 0;
            boolean more = false;
            Cursor c = view.cursor();
            while (c.next()) {
                byte[] k = c.key();
                if (p != null && !startsWith(k, p)) {
                    continue;
                }
                if (limit > 0 && shown == limit) {
                    more = true;
                    break;
                }
                out.println(text.key(k) + "\t" + text.value(c.value()));
                shown++;
            }
            out.flush();
            err.println(spec.qualifiedName() + ": " + Text.count(shown) + (shown == 1 ? " entry" : " entries")
                    + (p != null ? " with prefix " + prefix : "") + (more ? " (--limit " + limit + "; more match)" : ""));
            err.flush();
        }
        return Exit.OK;
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
