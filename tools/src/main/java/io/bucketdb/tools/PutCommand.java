package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code bucketdb put DIR KEY VALUE}: one put under the writer lock, then a clean close. */
@Command(name = "put", mixinStandardHelpOptions = true,
        description = {"Put KEY -> VALUE into an existing index and say whether the key was new or its value was replaced.",
                "Takes the writer lock, so it refuses an index another process has open for writing, naming it. Closes the "
                        + "index cleanly (a checkpoint), also when interrupted with Ctrl-C. A malformed key or value, or "
                        + "one of the wrong width or too long, is refused and nothing is written."},
        footer = {"%nExamples:%n  bucketdb put /data/idx 42 4207%n  bucketdb put /data/names alice 'Alice Smith' --format utf8%n"
                + "  bucketdb put /data/docs user:1 3q2+7w== --key-format utf8 --value-format base64"
                + "%n  bucketdb put /data/names --format utf8 -- -alice 'Alice Smith'  (a key that starts with '-' goes after '--')",
                "%nExit codes: 0 put, 2 usage error (a malformed key or value, one of the wrong width, too long), "
                        + "3 I/O error (missing, unreadable, damaged or locked index)."})
final class PutCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The index directory (an existing index).")
    Path dir;

    @Parameters(index = "1", paramLabel = "KEY", description = "The key, in the key format; one that starts with '-' goes after '--'.")
    String key;

    @Parameters(index = "2", paramLabel = "VALUE", description = "The value, in the value format; one that starts with '-' goes after '--'.")
    String value;

    @Mixin
    EntryFormats formats;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        boolean added;
        // Ctrl-C closes the index cleanly and says so (Interruptible); an existing index only, never a new one.
        Interruptible hook = Interruptible.install(spec.commandLine().getErr(), spec.qualifiedName(), dir + " holds what was acknowledged");
        try (hook; BucketDB db = hook.add(BucketDB.open(dir, Options.defaults().withCreateIfMissing(false)))) {
            EntryText text = formats.bind(db);
            byte[] k = text.key(key);
            byte[] v = text.value(value);
            added = db.put(k, v);
        }
        out.println("put key " + key + " in " + dir + (added ? ": a new key" : ": replaced its value"));
        out.flush();
        return Exit.OK;
    }
}
