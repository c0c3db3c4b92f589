package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code bucketdb delete DIR KEY}: one delete under the writer lock, then a clean close. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = {"Delete KEY from an existing index; exits 1 if it was absent.",
                "Takes the writer lock, so it refuses an index another process has open for writing, naming it. Closes the "
                        + "index cleanly (a checkpoint), also when interrupted with Ctrl-C."},
        footer = {"%nExamples:%n  bucketdb delete /data/idx 42%n  bucketdb delete /data/names alice --key-format utf8"
                + "%n  bucketdb delete /data/names --key-format utf8 -- -alice  (a key that starts with '-' goes after '--')",
                "%nExit codes: 0 deleted, 1 the key was absent, 2 usage error (a malformed key, a key of the wrong width), "
                        + "3 I/O error (missing, unreadable, damaged or locked index)."})
final class DeleteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The index directory (an existing index).")
    Path dir;

    @Parameters(index = "1", paramLabel = "KEY", description = "The key, in the key format; one that starts with '-' goes after '--'.")
    String key;

    @Mixin
    EntryFormats formats;

    @Override
    public Integer call() throws IOException {
        boolean deleted;
        // Ctrl-C closes the index cleanly and says so (Interruptible); an existing index only, never a new one.
        Interruptible hook = Interruptible.install(spec.commandLine().getErr(), spec.qualifiedName(), dir + " holds what was acknowledged");
        try (hook; BucketDB db = hook.add(BucketDB.open(dir, Options.defaults().withCreateIfMissing(false)))) {
            deleted = db.delete(formats.bind(db).key(key));
        }
        if (!deleted) {
            spec.commandLine().getErr().println(spec.qualifiedName() + ": key " + key + " is not in " + dir + ": nothing deleted");
            spec.commandLine().getErr().flush();
            return Exit.PROBLEMS;
        }
        spec.commandLine().getOut().println("deleted key " + key + " from " + dir);
        spec.commandLine().getOut().flush();
        return Exit.OK;
    }
}
