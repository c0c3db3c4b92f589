package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Options;
import io.bucketdb.engine.StagedIndex;
import io.bucketdb.storage.IndexFileNames;
import io.bucketdb.storage.VarSlotLayout;
import org.apache.commons.io.file.PathUtils;
import org.apache.commons.io.input.BoundedInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Stack;
import java.util.concurrent.Callable;

/**
 * {@code bucketdb import DIR FILE}: puts every JSON Lines record of FILE into the index in DIR,
 * creating it if missing. Takes the writer lock, so it refuses an index another process has open.
 * {@code --from-mapdb FILE --map NAME} copies a MapDB HTreeMap into a new index instead ({@link MapDbImport}).
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Put every {\"key\":...,\"value\":...} line of FILE (JSON Lines; - for standard input) into the index, "
                + "creating it if missing. Existing keys are overwritten.",
                "A new index takes the shape of the export's first line ({\"bucketdb-export\":1,...}: widths or variable lengths, "
                        + "inline widths, limits, alignment; its format too, so --format may be left out), else its widths from "
                        + "--key-width/--value-width, else from --format long (8 and 8), else from the first record (base64). "
                        + "--variable-keys/--variable-values make a new index take keys/values of any length instead (the short "
                        + "ones inline in the slot, the long ones in the value heap).",
                "A new index is built beside DIR and renamed to DIR only when every record is in it: a bad line, a file with "
                        + "fewer or more records than its first line says, or Ctrl-C leaves no DIR. DIR must be new, empty or an "
                        + "index. Into an existing index, the export's shape and --format are checked against the index's widths "
                        + "before the first put; the import stops at the first bad line, the records before it stay imported and "
                        + "nothing of the bad line is written. Ctrl-C closes the index cleanly and says so; into an existing index it "
                        + "also says how many records of FILE went in and through which line, so the import can be resumed after "
                        + "that line (the index may also hold some records after it: resuming puts them again). Shows progress "
                        + "on a terminal only.",
                "With --from-mapdb FILE --map NAME, copies the MapDB 3.1 HTreeMap NAME of FILE (opened read-only) into a new "
                        + "index DIR. Keys and values stored with MapDB's LONG, INTEGER, UUID, STRING (UTF-8) or BYTE_ARRAY "
                        + "serializer are stored as the BucketDB codec of the same name; LONG, INTEGER and UUID fix the width "
                        + "(8, 4, 16), for STRING and BYTE_ARRAY it is --key-width/--value-width, else the first entry's. An "
                        + "entry of another width is refused, naming its key, and nothing is imported: the index is built "
                        + "beside DIR and renamed to DIR only when complete."},
        footer = {"%nExamples:%n  bucketdb import /data/idx idx.jsonl%n"
                + "  bucketdb export /data/idx | bucketdb import /data/copy -%n"
                + "  bucketdb import /data/new names.jsonl --format utf8 --key-width 32 --value-width 16%n"
                + "  bucketdb import /data/docs docs.jsonl --format utf8 --variable-keys --variable-values=64%n"
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
            description = "base64 (default), hex, utf8 (zero-padded to the width) or long (numbers into 8-byte keys and values).")
    Format format;

    @Option(names = "--key-width", paramLabel = "K", description = "Key width in bytes for a new index (1..4096).")
    Integer keyWidth;

    @Option(names = "--value-width", paramLabel = "V", description = "Value width in bytes for a new index (0..4096).")
    Integer valueWidth;

    @Option(names = "--variable-keys", arity = "0..1", paramLabel = "INLINE", fallbackValue = "" + Options.DEFAULT_KEY_INLINE,
            parameterConsumer = OptionalInline.class,
            description = "Variable-length keys for a new index, up to INLINE bytes (8..4092, default "
                    + Options.DEFAULT_KEY_INLINE + ") kept in the slot; instead of --key-width.")
    Integer variableKeys;

    @Option(names = "--variable-values", arity = "0..1", paramLabel = "INLINE", fallbackValue = "" + Options.DEFAULT_VALUE_INLINE,
            parameterConsumer = OptionalInline.class,
            description = "Variable-length values for a new index, up to INLINE bytes (8..4092, default "
                    + Options.DEFAULT_VALUE_INLINE + ") kept in the slot; instead of --value-width.")
    Integer variableValues;

    @Override
    public Integer call() throws IOException {
        if (keyWidth != null && variableKeys != null) {
            throw CliException.usage("give --key-width or --variable-keys, not both");
        }
        if (valueWidth != null && variableValues != null) {
            throw CliException.usage("give --value-width or --variable-values, not both");
        }
        inline(variableKeys, "--variable-keys");
        inline(variableValues, "--variable-values");
        if (mapdb != null || map != null) {
            if (variableKeys != null || variableValues != null) {
                throw CliException.usage("--from-mapdb makes fixed widths (--key-width/--value-width), not --variable-keys/--variable-values");
            }
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
        boolean exists = Files.exists(dir.resolve(IndexFileNames.TABLE)) || StagedIndex.finishInterrupted(dir);
        if (!exists && Files.exists(dir) && !(Files.isDirectory(dir) && PathUtils.isEmptyDirectory(dir))) {
            throw CliException.usage(dir + (Files.isDirectory(dir) ? " is not empty and holds no index (no " + IndexFileNames.TABLE
                    + "): import creates an index only in a new or empty directory" : " is not a directory: an index is a directory"));
        }
        long size = input == null ? 0 : Files.size(input);
        String where = input == null ? "stdin" : file;
        Applied applied = new Applied();
        try (Interruptible guard = Interruptible.install(spec.commandLine().getErr(), spec.qualifiedName(), exists
                ? () -> dir + " holds the records imported before the interrupt: " + applied.describe(where)
                : () -> "nothing was imported, " + dir + " was not created");
             InputStream raw = input == null ? System.in : Files.newInputStream(input);
             BoundedInputStream counted = BoundedInputStream.builder().setInputStream(raw).get()) { // unbounded: only counts
            Utf8Lines r = new Utf8Lines(counted);
            Progress progress = new Progress(spec.commandLine().getErr(), Progress.onTerminal(), "import", size, "bytes");
            Load load = new Load(guard, exists, applied);
            try {
                load.run(r, counted, where, progress);
            } catch (IOException | RuntimeException e) {
                if (guard.interrupted()) {
                    throw guard.stopped();
                }
                throw e;
            }
            spec.commandLine().getOut().println("imported " + Text.count(load.records) + " records into " + dir + ": "
                    + Text.count(load.loader == null ? 0 : load.loader.added()) + " new keys, "
                    + Text.count(load.records - (load.loader == null ? 0 : load.loader.added())) + " overwritten"
                    + (load.shape != null && !exists ? " (" + load.shape.describe() + ", as the export's first line says)" : ""));
            spec.commandLine().getOut().flush();
        }
        return Exit.OK;
    }

    /**
     * One import of JSON Lines. A new index is built beside DIR ({@link StagedIndex}) and renamed to DIR only once every
     * record is in it and it is closed, so a bad line, a short file or an interrupt leaves no DIR; into an existing
     * index the records before a bad line stay imported, and nothing of the bad line is (both its key and value are
     * parsed before it is put).
     */
    private final class Load {
        private final Interruptible guard;
        private final boolean exists;
        private final Applied applied;
        ExportShape shape;
        Format fmt = format;
        StagedIndex staged;
        BucketDB db;
        WindowedLoader loader;
        long records;

        Load(Interruptible guard, boolean exists, Applied applied) {
            this.guard = guard;
            this.exists = exists;
            this.applied = applied;
        }

        void run(Utf8Lines r, BoundedInputStream counted, String where, Progress progress) throws IOException {
            long lineNo = 0;
            boolean complete = false;
            try {
                java.nio.ByteBuffer bytes;
                while ((bytes = r.next()) != null) {
                    lineNo++;
                    try {
                        String line = r.decode(bytes);
                        if (line.isBlank()) {
                            continue;
                        }
                        Map<String, Object> m = Json.parseFlatObject(line);
                        if (ExportShape.isShape(m)) {
                            if (shape != null || records > 0) {
                                throw new IllegalArgumentException("an export's shape line ({\"" + ExportShape.MARKER
                                        + "\":...}) belongs on its first line only");
                            }
                            shape = ExportShape.parse(m);
                            fmt = formatOf(shape);
                            continue;
                        }
                        Object[] kv = record(m);
                        if (db == null) {
                            open(kv);
                        }
                        byte[] key = fmt.parse(kv[0], db.variableKeys() ? Format.ANY_LENGTH : db.keyWidth(), "key");
                        byte[] value = fmt.parse(kv[1], db.variableValues() ? Format.ANY_LENGTH : db.valueWidth(), "value");
                        // A window of async puts: the ring makes group commits of them, where a blocking put
                        // per line paid a hand-off to the writer thread each. A bad line stops the loop only
                        // after every put before it was published; the finally waits for them.
                        long record = records + 1;
                        long onLine = lineNo;
                        loader.put(key, value).thenRun(() -> applied.acknowledged(record, onLine));
                    } catch (IllegalArgumentException e) {
                        throw CliException.usage(where + ":" + lineNo + ": " + e.getMessage() + consequence());
                    }
                    records++;
                    progress.update(counted.getCount());
                }
                if (db == null) {
                    if (shape == null) {
                        throw CliException.usage(where + " holds no records");
                    }
                    open(null); // an export of an empty index: the index is its shape
                }
                if (shape != null && shape.entries() != null && shape.entries() != records) {
                    throw CliException.usage(where + " holds " + Text.count(records) + " records, but its first line says the export "
                            + "has " + Text.count(shape.entries()) + ": the file is incomplete" + consequence());
                }
                complete = true;
            } finally {
                progress.finish();
                finish(complete);
            }
        }

        /** What a failure leaves, for its message. */
        private String consequence() {
            if (!exists) {
                return " (nothing was imported: " + dir + " was not created)";
            }
            return records > 0 ? " (the " + Text.count(records) + " records before it were imported)" : "";
        }

        /** Closes the index; a new one is checked and renamed into place only if the whole input went in. */
        private void finish(boolean complete) throws IOException {
            if (db != null) {
                try {
                    if (loader != null && (complete || exists)) {
                        loader.finish(); // every record before a bad line is acknowledged, then made durable by close
                    }
                } finally {
                    guard.remove(db);
                    db.close();
                }
            }
            if (staged != null) {
                if (complete) {
                    check();
                    guard.atomically(() -> {
                        staged.commit();
                        guard.remove(staged);
                        return null;
                    });
                } else {
                    guard.remove(staged);
                    staged.close(); // removes the unfinished index
                }
            }
        }

        /** The built index holds a key for every new key put, before it replaces nothing at DIR. */
        private void check() throws IOException {
            try (BucketDB built = BucketDB.open(staged.directory(), Options.defaults().withReadOnly(true))) {
                if (built.size() != loader.added()) {
                    staged.close();
                    throw new CliException(Exit.PROBLEMS, "the new index holds " + Text.count(built.size()) + " entries where "
                            + Text.count(loader.added()) + " keys were put; " + dir + " was not created");
                }
            }
        }

        /** Opens the index; a new one takes its shape from the export's first line, the options, the format, or the first record. */
        private void open(Object[] first) throws IOException {
            // A bulk load: acknowledged per record after the journal write, forced every 100 ms and made
            // durable in full by the closing checkpoint.
            Options o = Options.defaults().withDurability(io.bucketdb.Durability.ASYNC);
            if (exists) {
                db = guard.add(BucketDB.open(dir, o.withCreateIfMissing(false)));
                checkExisting();
            } else {
                Options created = shape != null ? fromShape(o) : widths(o, first);
                staged = guard.atomically(() -> guard.add(StagedIndex.begin(null, dir)));
                db = guard.atomically(() -> guard.add(staged.create(created)));
            }
            checkFormat();
            loader = new WindowedLoader(db);
        }

        /** Options for the shape of the export's first line; width options may only repeat it. */
        private Options fromShape(Options o) {
            String given = contradiction(keyWidth, variableKeys, shape.varKeys(), shape.keyWidth(), "key")
                    + contradiction(valueWidth, variableValues, shape.varValues(), shape.valueWidth(), "value");
            if (!given.isEmpty()) {
                throw CliException.usage("the export's first line says " + shape.describe() + ";" + given + " (leave the width options out)");
            }
            try {
                return shape.apply(o);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("the export's first line describes no index this bucketdb can create: " + e.getMessage());
            }
        }

        private void checkExisting() {
            boolean keysDiffer = (keyWidth != null && (db.variableKeys() || keyWidth != db.keyWidth()))
                    || (variableKeys != null && (!db.variableKeys() || variableKeys != VarSlotLayout.inlineWidth(db.keyWidth())));
            boolean valuesDiffer = (valueWidth != null && (db.variableValues() || valueWidth != db.valueWidth()))
                    || (variableValues != null && (!db.variableValues() || variableValues != VarSlotLayout.inlineWidth(db.valueWidth())));
            if (keysDiffer || valuesDiffer) {
                String has = side(db.variableKeys(), db.keyWidth(), "key") + " and " + side(db.variableValues(), db.valueWidth(), "value");
                String given = given(keyWidth, variableKeys, db.variableKeys(), db.keyWidth()) + " and "
                        + given(valueWidth, variableValues, db.variableValues(), db.valueWidth());
                throw CliException.usage(dir + " takes " + has + ", not the " + given + " given");
            }
            String misfit = shape == null ? null : shape.misfit(db);
            if (misfit != null) {
                throw CliException.usage(misfit + " (" + dir + "); nothing was imported");
            }
        }

        /** {@code --format long} against the index's widths, before the first put. */
        private void checkFormat() {
            if (fmt == Format.LONG && ((!db.variableKeys() && db.keyWidth() != 8) || (!db.variableValues() && db.valueWidth() != 8))) {
                throw CliException.usage("--format long needs 8-byte keys and values; " + dir + " takes "
                        + side(db.variableKeys(), db.keyWidth(), "key") + " and " + side(db.variableValues(), db.valueWidth(), "value")
                        + "; nothing was imported");
            }
        }
    }

    /**
     * The records of the input acknowledged so far and the line of the last one: what an interrupted import into an
     * existing index reports, so the user knows where to resume. The index journals and applies puts in the order they
     * were published (one ring, group commits in sequence) and acknowledges none after a failed force, so every record
     * before the highest one acknowledged is in too, also if completions of two groups run out of order. Written by the
     * threads that complete the puts, read by the interrupt's hook once the index is closed.
     */
    private static final class Applied {
        private long records;
        private long line;

        synchronized void acknowledged(long record, long line) {
            if (record > records) {
                records = record;
                this.line = line;
            }
        }

        /** "the first 1,234 records of idx.jsonl, through its line 1240; to resume, import its lines after that one". */
        synchronized String describe(String where) {
            if (records == 0) {
                return "none of the records of " + where;
            }
            return "the first " + Text.count(records) + " records of " + where + ", through its line " + line
                    + "; to resume, import its lines after that one";
        }
    }

    /** The format of an export with a shape line: the line's, which {@code --format}, if given, must repeat. */
    private Format formatOf(ExportShape shape) {
        if (spec.commandLine().getParseResult().hasMatchedOption("--format") && format != shape.format()) {
            throw new IllegalArgumentException("the export's first line says it is in --format " + shape.format().label()
                    + ", not " + format.label() + ": give --format " + shape.format().label() + " or leave --format out");
        }
        return shape.format();
    }

    /** Where a width option contradicts the shape line: " --key-width 4 was given", else "". */
    private static String contradiction(Integer width, Integer inline, boolean var, int shapeWidth, String what) {
        if (width != null && (var || width != shapeWidth)) {
            return " --" + what + "-width " + width + " was given";
        }
        if (inline != null && (!var || inline != shapeWidth)) {
            return " --variable-" + what + "s " + inline + " was given";
        }
        return "";
    }

    private static Object[] record(Map<String, Object> m) {
        if (!m.containsKey("key") || !m.containsKey("value")) {
            throw new IllegalArgumentException("expected {\"key\":...,\"value\":...}, found the fields " + m.keySet());
        }
        return new Object[]{m.get("key"), m.get("value")};
    }

    /** Options for a new index without a shape line: widths from the options, the format, or the first record. */
    private Options widths(Options o, Object[] first) {
        Integer kw = variableKeys != null ? null : width(keyWidth, first[0], "key");
        Integer vw = variableValues != null ? null : width(valueWidth, first[1], "value");
        if ((variableKeys == null && kw == null) || (variableValues == null && vw == null)) {
            boolean keys = variableKeys == null && kw == null;
            boolean values = variableValues == null && vw == null;
            throw CliException.usage("a new index needs " + (keys && values ? "--key-width and --value-width" : keys ? "--key-width" : "--value-width")
                    + " with --format " + format.label() + ", or " + (keys && values ? "--variable-keys and --variable-values"
                    : keys ? "--variable-keys" : "--variable-values") + " for any length");
        }
        try {
            io.bucketdb.storage.BucketLayout.of(variableKeys != null ? VarSlotLayout.slotWidth(variableKeys) : kw,
                    variableValues != null ? VarSlotLayout.slotWidth(variableValues) : vw);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        o = variableKeys != null ? o.withVariableKeys(variableKeys) : o.withKeyWidth(kw);
        return variableValues != null ? o.withVariableValues(variableValues) : o.withValueWidth(vw);
    }

    /**
     * Takes the argument after {@code --variable-keys}/{@code --variable-values} as INLINE only when it is
     * an integer, else the option's fallback: picocli's own optional parameter would take the DIR of
     * {@code import --variable-keys DIR FILE} and fail on it as "not an int".
     */
    static final class OptionalInline implements IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, ArgSpec arg, CommandSpec command) {
            String next = !args.isEmpty() && args.peek().matches("-?[0-9]+") ? args.pop() : ((OptionSpec) arg).fallbackValue();
            try {
                arg.setValue(Integer.valueOf(next));
            } catch (NumberFormatException e) {
                throw new ParameterException(command.commandLine(), ((OptionSpec) arg).longestName() + ": '" + next
                        + "' is not an inline width (8..4092)");
            }
        }
    }

    /** Refuses an inline width outside what a variable-length slot can take, naming the option. */
    private static void inline(Integer inline, String option) {
        if (inline != null) {
            try {
                VarSlotLayout.slotWidth(inline);
            } catch (IllegalArgumentException e) {
                throw CliException.usage(option + ": " + e.getMessage());
            }
        }
    }

    /** A fixed width for a new index: the option, else 8 for {@code long}, else the first record's for hex and base64; null for utf8. */
    private Integer width(Integer option, Object first, String what) {
        if (option != null) {
            return option;
        }
        return switch (format) {
            case LONG -> 8;
            case BASE64, HEX -> format.exact(first, what).length;
            case UTF8 -> null;
        };
    }

    /** How an existing index stores one side: "8-byte keys", "variable-length values (28 bytes inline)". */
    private static String side(boolean variable, int slotWidth, String what) {
        return variable ? "variable-length " + what + "s (" + VarSlotLayout.inlineWidth(slotWidth) + " bytes inline)"
                : slotWidth + "-byte " + what + "s";
    }

    /** What the options asked for on one side ("4", "variable (16 inline)"), or the index's own where they asked nothing. */
    private static String given(Integer width, Integer inline, boolean variable, int slotWidth) {
        if (inline != null || (width == null && variable)) {
            return "variable (" + (inline != null ? inline : VarSlotLayout.inlineWidth(slotWidth)) + " inline)";
        }
        return String.valueOf(width != null ? width : slotWidth);
    }
}
