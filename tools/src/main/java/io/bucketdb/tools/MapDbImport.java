package io.bucketdb.tools;

import io.bucketdb.BucketDB;
import io.bucketdb.Codec;
import io.bucketdb.Durability;
import io.bucketdb.Options;
import io.bucketdb.engine.StagedIndex;
import io.bucketdb.storage.BucketLayout;
import io.bucketdb.storage.IndexFileNames;
import org.apache.commons.io.file.PathUtils;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code bucketdb import DIR --from-mapdb FILE --map NAME}: copies a MapDB 3.1 {@code HTreeMap}
 * into a new index, for users moving from MapDB. The MapDB file is opened read-only. Keys and values
 * are stored as the BucketDB {@link Codec} of their MapDB serializer stores them (LONG as
 * {@link Codec#LONG}, so the long API reads them), at one width per index: a value of another
 * length is refused, naming its key. The index is built under a staging name and renamed into
 * place only when complete ({@link StagedIndex}), so a refused or interrupted import leaves no
 * index at DIR.
 */
final class MapDbImport {
    private static final int PROGRESS_EVERY = 4096;

    /** The MapDB serializers import reads, each with the codec that stores the same values in BucketDB. */
    private enum Kind {
        LONG(Serializer.LONG, Codec.LONG, "Codec.LONG"),
        INTEGER(Serializer.INTEGER, Codec.INT, "Codec.INT"),
        UUID(Serializer.UUID, Codec.UUID, "Codec.UUID"),
        STRING(Serializer.STRING, Codec.UTF8, "Codec.UTF8"),
        BYTE_ARRAY(Serializer.BYTE_ARRAY, Codec.BYTES, "Codec.BYTES");

        final Serializer<?> serializer;
        final Codec<Object> codec;
        final String codecName;

        @SuppressWarnings("unchecked")
        Kind(Serializer<?> serializer, Codec<?> codec, String codecName) {
            this.serializer = serializer;
            this.codec = (Codec<Object>) codec;
            this.codecName = codecName;
        }

        static Kind of(Serializer<?> s) {
            for (Kind k : values()) {
                if (k.serializer == s) {
                    return k;
                }
            }
            return null;
        }

        /** The width every value of this kind has, or -1 if it varies. */
        int fixedWidth() {
            return codec.fixedWidth().orElse(-1);
        }

        /** A value as an error message names it. */
        String show(Object v) {
            return switch (this) {
                case STRING -> "\"" + v + "\"";
                case BYTE_ARRAY -> {
                    byte[] b = (byte[]) v;
                    yield "0x" + HexFormat.of().formatHex(b, 0, Math.min(b.length, 32)) + (b.length > 32 ? "..." : "");
                }
                default -> String.valueOf(v);
            };
        }
    }

    private final Path dir;
    private final Path file;
    private final String mapName;
    private final Integer keyWidth;
    private final Integer valueWidth;
    private final PrintWriter out;
    private final PrintWriter err;

    MapDbImport(Path dir, Path file, String mapName, Integer keyWidth, Integer valueWidth, PrintWriter out, PrintWriter err) {
        this.dir = dir;
        this.file = file;
        this.mapName = mapName;
        this.keyWidth = keyWidth;
        this.valueWidth = valueWidth;
        this.out = out;
        this.err = err;
    }

    int run() throws IOException {
        if (!Files.exists(file)) {
            throw new CliException(Exit.IO, file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new CliException(Exit.IO, file + ": not a regular file");
        }
        if (Files.exists(dir.resolve(IndexFileNames.TABLE))) {
            throw CliException.usage(dir + " already holds an index; --from-mapdb creates a new one: give a new or empty directory");
        }
        if (Files.exists(dir) && !(Files.isDirectory(dir) && PathUtils.isEmptyDirectory(dir))) {
            throw CliException.usage(dir + " exists and is not an empty directory; --from-mapdb creates a new index");
        }
        DB db = openReadOnly();
        try {
            return copy(db, find(db));
        } catch (DBException e) {
            throw new CliException(Exit.IO, file + ": MapDB could not read map '" + mapName + "': " + e.getMessage());
        } finally {
            db.close();
        }
    }

    private DB openReadOnly() {
        try {
            return DBMaker.fileDB(file.toFile()).readOnly().make();
        } catch (DBException.FileLocked e) {
            throw new CliException(Exit.IO, file + " is open in another process (MapDB's file lock is held); close it there first");
        } catch (DBException e) {
            throw new CliException(Exit.IO, file + " is not a MapDB 3 file it can read: " + e.getMessage());
        }
    }

    /** The HTreeMap named {@link #mapName}; a wrong name is refused with the names the file holds. */
    private HTreeMap<?, ?> find(DB db) {
        List<String> hashMaps = new ArrayList<>();
        for (String n : db.getAllNames()) {
            if ("HashMap".equals(type(db, n))) {
                hashMaps.add(n);
            }
        }
        String there = hashMaps.isEmpty() ? "it holds no HTreeMap" : "its HTreeMaps: " + String.join(", ", hashMaps);
        if (!hashMaps.contains(mapName)) {
            String type = type(db, mapName);
            throw CliException.usage(type == null ? "no map '" + mapName + "' in " + file + "; " + there
                    : "'" + mapName + "' in " + file + " is a MapDB " + type + ", not an HTreeMap; " + there);
        }
        return db.get(mapName);
    }

    private static String type(DB db, String name) {
        return db.nameCatalogParamsFor(name).get(name + "#type");
    }

    private int copy(DB db, HTreeMap<?, ?> map) throws IOException {
        Map<String, String> params = db.nameCatalogParamsFor(mapName);
        Kind keys = kind(map.getKeySerializer(), params.get(mapName + "#keySerializer"), "keys");
        Kind values = kind(map.getValueSerializer(), params.get(mapName + "#valueSerializer"), "values");
        long total = map.sizeLong();
        Map.Entry<?, ?> first = total == 0 ? null : map.entrySet().iterator().next();
        int kw = width(keys, keyWidth, first == null ? null : first.getKey(), "key");
        int vw = width(values, valueWidth, first == null ? null : first.getValue(), "value");
        try {
            BucketLayout.of(kw, vw);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        boolean longs = keys == Kind.LONG && values == Kind.LONG;
        long count;
        int b;
        try (StagedIndex staged = StagedIndex.begin(null, dir)) {
            // A bulk load: acknowledged after the journal write; the closing checkpoint makes all of it durable.
            Options o = Options.defaults().withDurability(Durability.ASYNC).withKeyWidth(kw).withValueWidth(vw).withExpectedEntries(total);
            try (BucketDB dst = staged.create(o)) {
                Progress bar = new Progress(err, Progress.onTerminal(), "import", total, "entries");
                WindowedLoader loader = new WindowedLoader(dst);
                try {
                    for (Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator(); it.hasNext(); ) {
                        Map.Entry<?, ?> e = it.next();
                        if (longs) {
                            loader.putLong((Long) e.getKey(), (Long) e.getValue());
                        } else {
                            byte[] k = encode(keys, e.getKey(), kw, "key", keys, e.getKey());
                            loader.put(k, encode(values, e.getValue(), vw, "value", keys, e.getKey()));
                        }
                        if (loader.published() % PROGRESS_EVERY == 0) {
                            bar.update(loader.published());
                        }
                    }
                    loader.finish();
                } finally {
                    bar.finish();
                }
                count = dst.size();
                b = dst.growth().b();
                if (count != loader.published()) { // the codecs are one-to-one, so MapDB's distinct keys stay distinct
                    throw new CliException(Exit.PROBLEMS, "read " + Text.count(loader.published()) + " entries from map '" + mapName
                            + "' but the new index holds " + Text.count(count) + "; nothing was imported");
                }
            }
            staged.commit();
        }
        out.println("imported " + Text.count(count) + " entries from MapDB map '" + mapName + "' (" + keys + " -> " + values + ") of "
                + file + " into " + dir + ": " + kw + "-byte keys, " + vw + "-byte values, B=" + b);
        out.println("read them with db.asMap(" + keys.codecName + ", " + values.codecName + ")" + (longs ? " or getLong" : ""));
        out.flush();
        return Exit.OK;
    }

    private Kind kind(Serializer<?> s, String recorded, String what) {
        Kind k = Kind.of(s);
        if (k == null) {
            throw CliException.usage("map '" + mapName + "' stores its " + what + " with the MapDB serializer "
                    + (recorded != null ? recorded : s.getClass().getName()) + "; import reads LONG, INTEGER, UUID, STRING and BYTE_ARRAY");
        }
        return k;
    }

    /** The width of a field: fixed by the serializer, else the option, else the first entry's. */
    private int width(Kind kind, Integer option, Object firstValue, String what) {
        int fixed = kind.fixedWidth();
        if (fixed >= 0) {
            if (option != null && option != fixed) {
                throw CliException.usage("MapDB " + kind + " " + what + "s are " + fixed + " bytes; --" + what + "-width " + option + " does not fit");
            }
            return fixed;
        }
        if (option != null) {
            return option;
        }
        if (firstValue == null) {
            throw CliException.usage("map '" + mapName + "' is empty: give --" + what + "-width for its " + kind + " " + what + "s");
        }
        return kind.codec.encode(firstValue).length;
    }

    private byte[] encode(Kind kind, Object v, int width, String what, Kind keys, Object key) {
        byte[] b;
        try {
            b = kind.codec.encode(v);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(where(keys, key) + ": the " + what + " cannot be stored: " + e.getMessage() + "; nothing was imported");
        }
        if (b.length != width) {
            throw CliException.usage(where(keys, key) + ": the " + what + " is " + b.length + " bytes" + (kind == Kind.STRING ? " in UTF-8" : "")
                    + "; the index takes " + width + "-byte " + what + "s (--" + what + "-width); nothing was imported");
        }
        return b;
    }

    private String where(Kind keys, Object key) {
        return "map '" + mapName + "' key " + keys.show(key);
    }
}
