package io.bucketdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The self-contained examples of the public Javadoc compile against the current API and do what their comments
 * say: the tour of package {@code io.bucketdb} ({@code package-info.java}) and {@link Codec}'s class example. Each
 * test takes the first {@code <pre>{@code …}</pre>} block of the source file, puts it in a {@code main} method
 * (with the variables the example takes as given declared before it), compiles it with the system Java compiler
 * and runs it against a temporary directory, as {@link ReadmeExampleTest} does for the README.
 */
class JavadocExamplesTest {
    static final Path SOURCES = Path.of("src", "main", "java", "io", "bucketdb");

    @TempDir
    Path tmp;

    @Test
    void thePackageTourRunsOnADefaultIndex() throws Exception {
        String block = javadocBlock(SOURCES.resolve("package-info.java"));
        assertTrue(block.contains(ReadmeExampleTest.EXAMPLE_DIR), "the tour opens " + ReadmeExampleTest.EXAMPLE_DIR);
        Path dir = tmp.resolve("idx");
        String out = run(block.replace(ReadmeExampleTest.EXAMPLE_DIR, quoted(dir)), "");
        assertEquals("42 -> 4200", out.strip(), "what the tour prints");
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(4200, db.getLong(42, -1));
            assertFalse(db.recovery().needed(), "the tour's close checkpoints: nothing to replay");
        }
    }

    @Test
    void theCodecExampleStoresARecordUnderAUuid() throws Exception {
        String block = javadocBlock(SOURCES.resolve("Codec.java"));
        Path dir = tmp.resolve("readings");
        UUID id = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
        String given = """
                Path dir = Path.of(%s);
                UUID id = UUID.fromString("%s");
                long now = 1_700_000_000_000L;
                """.formatted(quoted(dir), id);
        run(block, given);
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(16, db.keyWidth(), "the comment: 16-byte keys");
            assertEquals(12, db.valueWidth(), "the comment: 12-byte values");
            assertEquals(1, db.size());
            byte[] value = db.get(Codec.UUID.encode(id));
            assertNotNull(value, "the example's put");
            assertEquals(7, Codec.INT.decode(java.util.Arrays.copyOfRange(value, 0, 4)), "the reading's sensor");
            assertEquals(1_700_000_000_000L, Codec.LONG.decode(java.util.Arrays.copyOfRange(value, 4, 12)), "its time");
        }
    }

    private static String quoted(Path p) {
        return "\"" + p.toString().replace("\\", "\\\\") + "\"";
    }

    /** Compiles {@code given} and {@code block} as the body of a {@code main} method, runs it, returns its stdout. */
    private String run(String block, String given) throws Exception {
        String source = """
                import io.bucketdb.*;
                import java.nio.file.Path;
                import java.util.UUID;
                import java.util.concurrent.ConcurrentMap;

                public class JavadocExample {
                    public static void main(String[] args) throws Exception {
                %s
                %s
                    }
                }
                """.formatted(given, block);
        return ReadmeExampleTest.compileAndRun(tmp, "JavadocExample", source);
    }

    /** The code of the first {@code <pre>{@code …}</pre>} block of a Java source's Javadoc, without the comment's stars. */
    static String javadocBlock(Path source) throws Exception {
        Matcher m = Pattern.compile("<pre>\\{@code\\n(.*?)\\n\\s*\\* }</pre>", Pattern.DOTALL).matcher(Files.readString(source));
        assertTrue(m.find(), "a <pre>{@code block in " + source);
        return m.group(1).lines().map(l -> l.replaceFirst("^\\s*\\* ?", "")).reduce("", (a, b) -> a + b + "\n");
    }
}
