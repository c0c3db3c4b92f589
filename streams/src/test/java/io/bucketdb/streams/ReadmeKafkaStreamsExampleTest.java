package io.bucketdb.streams;

import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The README's "Kafka Streams" example compiles against the current API and counts words in a BucketDB store:
 * the {@code ```java} block of that section goes into a method returning its {@code topology}, is compiled
 * with the system Java compiler against this module's class path, and runs on {@link TopologyTestDriver}.
 */
class ReadmeKafkaStreamsExampleTest {
    static final Path README = Path.of("..", "README.md");

    @TempDir
    Path tmp;

    static String exampleBlock(String readme) {
        int section = readme.indexOf("\n## Kafka Streams\n");
        assertTrue(section >= 0, "the README has a 'Kafka Streams' section");
        Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(m.find(section), "the section has a java block");
        return m.group(1);
    }

    @Test
    void theKafkaStreamsExampleOfTheReadmeCompilesAndCountsWordsInABucketDBStore() throws Exception {
        String block = exampleBlock(Files.readString(README));
        assertTrue(block.contains("Materialized.as(BucketDBStores.keyValueStore(\"counts\"))"), block);
        String source = """
                import io.bucketdb.streams.BucketDBStores;
                import org.apache.kafka.common.serialization.Serdes;
                import org.apache.kafka.streams.StreamsBuilder;
                import org.apache.kafka.streams.Topology;
                import org.apache.kafka.streams.kstream.*;

                public class ReadmeKafkaStreamsExample {
                    public static Topology topology() {
                %s
                        return topology;
                    }
                }
                """.formatted(block);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        Files.writeString(src.resolve("ReadmeKafkaStreamsExample.java"), source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "tests run on a JDK");
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path") + File.pathSeparator + Path.of("target", "classes").toAbsolutePath(),
                "-Xlint:all", "-Xlint:-classfile", "-Xlint:-processing", "-Werror", src.resolve("ReadmeKafkaStreamsExample.java").toString());
        assertEquals(0, rc, () -> "the README example does not compile:\n" + diagnostics + "\n" + source);

        Topology topology;
        try (URLClassLoader loader = new URLClassLoader(new URL[]{classes.toUri().toURL()}, getClass().getClassLoader())) {
            topology = (Topology) loader.loadClass("ReadmeKafkaStreamsExample").getMethod("topology").invoke(null);
        }
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "readme");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        config.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state").toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, config)) {
            TestInputTopic<String, String> words = driver.createInputTopic("words", new StringSerializer(), new StringSerializer());
            List.of("hash", "index", "hash").forEach(w -> words.pipeInput(null, w));
            assertEquals(List.of(KeyValue.pair("hash", 1L), KeyValue.pair("index", 1L), KeyValue.pair("hash", 2L)),
                    driver.createOutputTopic("word-counts", new StringDeserializer(), new LongDeserializer()).readKeyValuesToList());
            assertEquals(2L, driver.<String, Long>getKeyValueStore("counts").get("hash"));
            try (var dirs = Files.walk(tmp.resolve("state"))) {
                assertTrue(dirs.anyMatch(d -> d.endsWith(Path.of("bucketdb", "counts")) && Files.isDirectory(d)),
                        "the counts live in a BucketDB index, <task dir>/bucketdb/counts");
            }
        }
    }
}
