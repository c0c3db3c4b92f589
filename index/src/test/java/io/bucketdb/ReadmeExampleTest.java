package io.bucketdb;

import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.spi.CorruptIndexException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The README's "Use from Java" example compiles against the current API and does what its comments say.
 * The test takes the first {@code ```java} block of {@code ../README.md}, puts it in a {@code main} method,
 * compiles it with the system Java compiler against the classes of this module and its dependencies, and
 * runs it with the example's directory {@code /data/idx} replaced by a temporary one.
 */
class ReadmeExampleTest {
    static final Path README = Path.of("..", "README.md");
    static final String EXAMPLE_DIR = "\"/data/idx\"";

    @TempDir
    Path tmp;

    @Test
    void theJavaExampleOfTheReadmeCompilesAndRuns() throws Exception {
        String block = javaBlock(Files.readString(README));
        assertTrue(block.contains(EXAMPLE_DIR), "the example opens " + EXAMPLE_DIR + ", which this test redirects");
        Path dir = tmp.resolve("idx");
        String source = """
                import io.bucketdb.*;
                import java.nio.file.Path;
                import java.util.concurrent.ConcurrentMap;

                public class ReadmeExample {
                    public static void main(String[] args) throws Exception {
                %s
                    }
                }
                """.formatted(block.replace(EXAMPLE_DIR, "\"" + dir.toString().replace("\\", "\\\\") + "\""));
        String printed = compileAndRun(tmp, "ReadmeExample", source);
        assertEquals("42 -> 4200", printed.strip(), "what the example prints");
        try (BucketDB db = BucketDB.open(dir)) {
            assertEquals(1 + 1_000, db.size(), "key 42 and the bulk load's 1,000 keys");
            assertEquals(4201, db.getLong(42, -1), "the example's merge added 1, durably");
            assertEquals(-1_999, db.getLong(1_999, -1), "the bulk load's last entry, flushed by its close");
            assertFalse(db.recovery().needed(), "the example closed the index cleanly");
        }
    }

    /**
     * Compiles {@code source} (a public class {@code className} with a {@code main}) in {@code tmp} against this module's
     * class path, with every lint warning an error, runs its {@code main} and returns what it printed.
     */
    static String compileAndRun(Path tmp, String className, String source) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        Files.writeString(src.resolve(className + ".java"), source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "tests run on a JDK");
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-d", classes.toString(), "-cp", classPath(),
                "-Xlint:all", "-Werror", src.resolve(className + ".java").toString());
        assertEquals(0, rc, () -> "the example does not compile:\n" + diagnostics + "\n" + source);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[]{classes.toUri().toURL()}, ReadmeExampleTest.class.getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            loader.loadClass(className).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(stdout);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The body of the first fenced {@code java} block. */
    static String javaBlock(String markdown) {
        Matcher m = Pattern.compile("```java\\n(.*?)\\n```", Pattern.DOTALL).matcher(markdown);
        assertTrue(m.find(), "a ```java block in " + README);
        return m.group(1);
    }

    /** This module's classes and those of the modules the example uses, wherever the build put them. */
    static String classPath() throws Exception {
        return Stream.of(BucketDB.class, CorruptIndexException.class, JournalOptions.class)
                .map(c -> {
                    try {
                        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .distinct().collect(Collectors.joining(File.pathSeparator));
    }
}
