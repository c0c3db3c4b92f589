package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import org.apache.commons.io.input.BoundedInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bucketdb import DIR FILE}: puts every JSON Lines record of FILE into the index in DIR,
 * creating it if missing. Takes the writer lock, so it refuses an index another process has open.
 * {@code --from-mapdb FILE --map NAME} copies a MapDB HTreeMap into a new index instead ({@link MapDbImport}).
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Put every {\"key\":...,\"value\":...} line of FILE (JSON Lines; - for standard input) into the index, "
                + "creating it if missing. Existing keys are overwritten.",
                "A new index takes its widths from --key-width/--value-width, else from --format long (8 and 8), else from the "
                        + "first record (base64). Stops at the first bad line; the lines before it stay imported. "
                        + "Shows progress on a terminal only.",
                "With --from-mapdb FILE --map NAME, copies the MapDB 3.1 HTreeMap NAME of FILE (opened read-only) into a new "
                        + "index DIR. Keys and values stored with MapDB's LONG, INTEGER, UUID, STRING (UTF-8) or BYTE_ARRAY "
                        + "serializer are stored as the BucketDB codec of the same name; LONG, INTEGER and UUID fix the width "
                        + "(8, 4, 16), for STRING and BYTE_ARRAY it is --key-width/--value-width, else the first entry's. An "
                        + "entry of another width is refused, naming its key, and nothing is imported: the index is built "
                        + "beside DIR and renamed to DIR only when complete."},
        footer = {"%nExamples:%n  bucketdb import /data/idx idx.jsonl%n"
                + "  bucketdb import /data/new names.jsonl --format utf8 --key-width 32 --value-width 16%n"
                + "  bucketdb import /data/users --from-mapdb users.db --map byId%n"
                + "  bucketdb import /data/names --from-mapdb app.db --map names --key-width 16 --value-width 8", Exit.FOOTER})
final class ImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The index directory (created if missing).")
    Path dir;

    @Parameters(index = "1", arity = "0..1", paramLabel = "FILE", description = "JSON Lines to read; - for standard input.")
    String file;

    @Option(names = "--from-mapdb", paramLabel = "FILE", description = "Copy a map of this MapDB 3.1 file instead (into a new index).")
    Path mapdb;

    @Option(names = "--map", paramLabel = "NAME", description = "With --from-mapdb: the name of the HTreeMap to copy.")
    String map;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "base64",
            description = "base64 (default), utf8 (zero-padded to the width) or long (numbers into 8-byte keys and values).")
    Format format;

    @Option(names = "--key-width", paramLabel = "K", description = "Key width in bytes for a new index (1..4096).")
    Integer keyWidth;

    @Option(names = "--value-width", paramLabel = "V", description = "Value width in bytes for a new index (0..4096).")
    Integer valueWidth;

    @Override
    public Integer call() throws IOException {
        if (mapdb != null || map != null) {
            if (file != null) {
                throw CliException.usage("give FILE or --from-mapdb, not both");
            }
            if (mapdb == null || map == null) {
                throw CliException.usage(mapdb == null ? "--map needs --from-mapdb FILE" : "--from-mapdb needs --map NAME (the HTreeMap to copy)");
            }
            return new MapDbImport(dir, mapdb, map, keyWidth, valueWidth, spec.commandLine().getOut(), spec.commandLine().getErr()).run();
        }
        if (file == null) {
            throw CliException.usage("missing FILE (JSON Lines to read, - for standard input), or --from-mapdb FILE --map NAME");
        }
        Path input = "-".equals(file) ? null : Path.of(file);
        if (input != null && !Files.isRegularFile(input)) {
            throw new NoSuchFileException(file, null, Files.exists(input) ? "not a regular file" : "no such file");
        }
        long size = input == null ? 0 : Files.size(input);
        Progress progress = new Progress(spec.commandLine().getErr(), Progress.onTerminal(), "import", size, "bytes");
        try (InputStream raw = input == null ? System.in : Files.newInputStream(input);
             BoundedInputStream counted = BoundedInputStream.builder().setInputStream(raw).get(); // unbounded: only counts
             BufferedReader r = new BufferedReader(new InputStreamReader(counted, StandardCharsets.UTF_8), 1 << 16)) {
            String where = input == null ? "stdin" : file;
            BucketDB db = null;
            WindowedLoader loader = null;
            long lineNo = 0;
            long records = 0;
            try {
                String line;
                while ((line = r.readLine()) != null) {
                    lineNo++;
                    if (line.isBlank()) {
                        continue;
                    }
                    Object[] kv;
                    try {
                        kv = record(line);
                        if (db == null) {
                            db = open(kv);
                            loader = new WindowedLoader(db);
                        }
                        byte[] key = format.parse(kv[0], db.variableKeys() ? Format.ANY_LENGTH : db.keyWidth(), "key");
                        byte[] value = format.parse(kv[1], db.variableValues() ? Format.ANY_LENGTH : db.valueWidth(), "value");
                        // A window of async puts: the ring makes group commits of them, where a blocking put
                        // per line paid a hand-off to the writer thread each. A bad line stops the loop only
                        // after every put before it was published; the finally waits for them.
                        loader.put(key, value);
                    } catch (IllegalArgumentException e) {
                        throw CliException.usage(where + ":" + lineNo + ": " + e.getMessage()
                                + (records > 0 ? " (the " + Text.count(records) + " records before it were imported)" : ""));
                    }
                    records++;
                    progress.update(counted.getCount());
                }
            } finally {
                progress.finish();
                if (db != null) {
                    try {
                        loader.finish(); // every record before a bad line is acknowledged, then made durable by close
                    } finally {
                        db.close();
                    }
                }
            }
            if (db == null) {
                throw CliException.usage(where + " holds no records");
            }
            spec.commandLine().getOut().println("imported " + Text.count(records) + " records into " + dir + ": "
                    + Text.count(loader.added()) + " new keys, " + Text.count(records - loader.added()) + " overwritten");
            spec.commandLine().getOut().flush();
        }
        return Exit.OK;
    }

    private static Object[] record(String line) {
        Map<String, Object> m = Json.parseFlatObject(line);
        if (!m.containsKey("key") || !m.containsKey("value")) {
            throw new IllegalArgumentException("expected {\"key\":...,\"value\":...}, found the fields " + m.keySet());
        }
        return new Object[]{m.get("key"), m.get("value")};
    }

    /** Opens the index; a new one takes its widths from the options, the format, or the first record. */
    private BucketDB open(Object[] first) throws IOException {
        boolean exists = Files.exists(dir.resolve(BucketDB.TABLE_FILE));
        // A bulk load: acknowledged per record after the journal write, forced every 100 ms and made
        // durable in full by the closing checkpoint.
        Options o = Options.defaults().withDurability(io.bucketdb.Durability.ASYNC);
        if (!exists) {
            int kw;
            int vw;
            if (keyWidth != null && valueWidth != null) {
                kw = keyWidth;
                vw = valueWidth;
            } else if (format == Format.LONG) {
                kw = keyWidth != null ? keyWidth : 8;
                vw = valueWidth != null ? valueWidth : 8;
            } else if (format == Format.BASE64 || format == Format.HEX) {
                kw = keyWidth != null ? keyWidth : format.exact(first[0], "key").length;
                vw = valueWidth != null ? valueWidth : format.exact(first[1], "value").length;
            } else {
                throw CliException.usage("a new index needs --key-width and --value-width with --format " + format.label());
            }
            try {
                io.bucketdb.storage.BucketLayout.of(kw, vw);
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
            o = o.withKeyWidth(kw).withValueWidth(vw);
        }
        BucketDB db = BucketDB.open(dir, o);
        if ((keyWidth != null && keyWidth != db.keyWidth()) || (valueWidth != null && valueWidth != db.valueWidth())) {
            int kw = db.keyWidth();
            int vw = db.valueWidth();
            db.close();
            throw CliException.usage(dir + " takes " + kw + "-byte keys and " + vw + "-byte values, not the "
                    + (keyWidth != null ? keyWidth : kw) + " and " + (valueWidth != null ? valueWidth : vw) + " given");
        }
        return db;
    }
}
