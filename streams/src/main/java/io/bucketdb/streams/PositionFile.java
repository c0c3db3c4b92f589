package io.bucketdb.streams;

import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.query.Position;

import io.bucketdb.spi.DurableFile;
import io.bucketdb.spi.DurableIO;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The store's IQ {@link Position} across restarts, as Kafka's RocksDB store keeps it in
 * {@code <store>.position}: written when Kafka checkpoints (after {@code flush()} made the data durable, so
 * it never claims more than the index holds) and at close, read at init.
 *
 * <p>Text, one line per partition, replaced atomically (written aside, forced, renamed, directory synced):
 * <pre>
 * bucketdb-position 1
 * &lt;topic&gt; &lt;partition&gt; &lt;offset&gt;
 * </pre>
 * Kafka topic names hold no spaces (only letters, digits, '.', '_' and '-'). The writes, the force, the rename
 * and the directory sync go through the store's {@link DurableIO}, as the index's own files do.
 */
final class PositionFile {
    private static final String MAGIC = "bucketdb-position 1";

    private final Path file;
    private final DurableIO io;

    PositionFile(Path file, DurableIO io) {
        this.file = file;
        this.io = io;
    }

    /**
     * {@return the position stored, or an empty one if there is no file}
     *
     * @throws ProcessorStateException if the file cannot be read or is not a position file
     */
    Position read() {
        if (!Files.exists(file)) {
            return Position.emptyPosition();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ProcessorStateException("cannot read the IQ position file " + file + ": " + e, e);
        }
        if (lines.isEmpty() || !lines.getFirst().equals(MAGIC)) {
            throw damaged(1, "first line '" + MAGIC + "'");
        }
        Map<String, Map<Integer, Long>> positions = new HashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(" ");
            if (f.length != 3) {
                throw damaged(i + 1, "'<topic> <partition> <offset>'");
            }
            try {
                positions.computeIfAbsent(f[0], t -> new HashMap<>()).put(Integer.parseInt(f[1]), Long.parseLong(f[2]));
            } catch (NumberFormatException e) {
                throw damaged(i + 1, "a partition and an offset in decimal");
            }
        }
        return Position.fromMap(positions);
    }

    private ProcessorStateException damaged(int line, String expected) {
        return new ProcessorStateException("IQ position file " + file + " is damaged at line " + line + ": expected "
                + expected + "; delete it to start the store's position afresh");
    }

    /** Replaces the file with {@code position}, durably. */
    void write(Position position) throws IOException {
        StringBuilder text = new StringBuilder(MAGIC).append('\n');
        for (String topic : position.getTopics().stream().sorted().toList()) {
            for (Map.Entry<Integer, Long> p : new TreeMap<>(position.getPartitionPositions(topic)).entrySet()) {
                text.append(topic).append(' ').append(p.getKey()).append(' ').append(p.getValue()).append('\n');
            }
        }
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(text.toString());
        try (DurableFile out = io.open(temp, DurableIO.Mode.CREATE_OR_OPEN)) {
            out.truncate(0); // a temp file left by a crash may be longer
            out.write(0, bytes);
            out.force();
        }
        io.rename(temp, file);
        io.syncDirectory(file.getParent());
    }
}
