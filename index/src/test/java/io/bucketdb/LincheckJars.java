package io.bucketdb;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Deletes, when the test JVM exits, the {@code lincheck-bootstrap*.jar} that Lincheck's agent writes into
 * {@code java.io.tmpdir} the first time a test class uses it (Lincheck 3.7 never deletes it: one 26 KB file per test
 * run). Only jars that appeared while the class ran are marked, and only for deletion at exit: the bootstrap class
 * loader reads the jar for as long as the JVM runs, and a later Lincheck class in the same JVM reuses it.
 */
public final class LincheckJars implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LincheckJars.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put("before", jars());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        Set<Path> before = (Set<Path>) context.getStore(NS).get("before", Set.class);
        for (Path jar : jars()) {
            if (!before.contains(jar)) {
                jar.toFile().deleteOnExit();
            }
        }
    }

    /** {@return the Lincheck bootstrap jars in {@code java.io.tmpdir} now} */
    static Set<Path> jars() {
        Set<Path> out = new HashSet<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")), "lincheck-bootstrap*.jar")) {
            s.forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
