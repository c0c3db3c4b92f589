package io.bucketdb.streams;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.query.Position;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the IQ position that Kafka Streams attaches to changelog records when the (internal) config
 * {@code __iq.consistency.offset.vector.enabled} is on, so a restored store knows how far its input went, as
 * Kafka's own stores do (their {@code ChangelogRecordDeserializationHelper}).
 *
 * <p>The headers, as Kafka writes them: {@code "v"} = one byte, the format version (0), and {@code "c"} = the
 * position, big-endian: version byte 0, topic count (int), then per topic its UTF-8 name's length (int), the
 * name, the partition count (int) and per partition (int partition, long offset). Records without {@code "v"}
 * carry no position; a newer version than 0 is skipped, as Kafka skips it.
 */
final class ChangelogPositions {
    static final String VERSION_HEADER = "v";
    static final String POSITION_HEADER = "c";

    private ChangelogPositions() {
    }

    /** Merges the position carried by {@code record} into {@code position}, if it carries one. */
    static void mergeInto(Position position, ConsumerRecord<byte[], byte[]> record) {
        Header version = record.headers().lastHeader(VERSION_HEADER);
        if (version == null || version.value() == null || version.value().length != 1 || version.value()[0] != 0) {
            return;
        }
        Header vector = record.headers().lastHeader(POSITION_HEADER);
        if (vector == null || vector.value() == null) {
            throw new ProcessorStateException("changelog record " + record.topic() + "-" + record.partition() + "@"
                    + record.offset() + " says it carries a position (header 'v' = 0) but has no header 'c'");
        }
        try {
            position.merge(decode(ByteBuffer.wrap(vector.value())));
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new ProcessorStateException("changelog record " + record.topic() + "-" + record.partition() + "@"
                    + record.offset() + " carries a damaged position header 'c': " + e, e);
        }
    }

    static Position decode(ByteBuffer in) {
        byte version = in.get();
        if (version != 0) {
            throw new IllegalArgumentException("position format version " + version + ", expected 0");
        }
        int topics = count(in);
        Map<String, Map<Integer, Long>> map = new HashMap<>();
        for (int t = 0; t < topics; t++) {
            byte[] name = new byte[count(in)];
            in.get(name);
            int partitions = count(in);
            Map<Integer, Long> offsets = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                offsets.put(in.getInt(), in.getLong());
            }
            map.put(new String(name, StandardCharsets.UTF_8), offsets);
        }
        return Position.fromMap(map);
    }

    /** A count or length, bounded by the bytes left so a damaged header cannot ask for a huge allocation. */
    private static int count(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("count " + n + " at byte " + (in.position() - 4) + " exceeds the "
                    + in.remaining() + " bytes left");
        }
        return n;
    }
}
