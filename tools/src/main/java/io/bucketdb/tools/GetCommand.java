package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code bucketdb get DIR KEY}: the value of one key, read through a read-only view. */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = {"Print the value of KEY on stdout. Reads a read-only view of the index (no lock, nothing written), "
                + "so it works while a writer has the index open; the line on stderr says which LSN it shows.",
                "Exits 1, printing nothing on stdout, if the key is absent."},
        footer = {"%nExamples:%n  bucketdb get /data/idx 42%n  bucketdb get /data/names alice --format utf8%n"
                + "  bucketdb get /data/docs 757365723a31 --key-format hex --value-format base64"
                + "%n  bucketdb get /data/names --format utf8 -- -alice  (a key that starts with '-' goes after '--')",
                "%nExit codes: 0 found, 1 the key is absent, 2 usage error (a malformed key, a key of the wrong width), "
                        + "3 I/O error (missing, unreadable or damaged index)."})
final class GetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The index directory.")
    Path dir;

    @Parameters(index = "1", paramLabel = "KEY", description = "The key, in the key format; one that starts with '-' goes after '--'.")
    String key;

    @Mixin
    EntryFormats formats;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (BucketDB view = Views.open(dir)) {
            EntryText text = formats.bind(view);
            byte[] k = text.key(key);
            ViewLine.print(err, dir, view);
            byte[] v = view.get(k);
            if (v == null) {
                err.println(spec.qualifiedName() + ": key " + key + " is not in " + dir);
                err.flush();
                return Exit.PROBLEMS;
            }
            out.println(text.value(v));
        }
        out.flush();
        return Exit.OK;
    }
}
