package io.bucketdb;

import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.storage.CorruptIndexException;
import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each module exports exactly its public API, and internals only to our own modules that need them. Tests
 * run on the class path (surefire's {@code useModulePath=false}), where every class is in the unnamed module,
 * so the descriptors are read from the compiled {@code module-info.class} of each module's classes directory
 * or jar. A new export must be added here too: that makes it a deliberate change.
 */
class ModuleExportsTest {
    @Test
    void storageExportsItsApiAndTheCrashSimulatorOnlyToTheModulesWhoseTestsUseIt() throws Exception {
        assertExports(descriptor(CorruptIndexException.class), "io.bucketdb.storage", Map.of(
                "io.bucketdb.storage", Set.of(),
                "io.bucketdb.storage.sim", Set.of("io.bucketdb.index", "io.bucketdb.tools")));
    }

    @Test
    void recoveryExportsItsOnePackage() throws Exception {
        assertExports(descriptor(JournalOptions.class), "io.bucketdb.recovery", Map.of("io.bucketdb.recovery", Set.of()));
    }

    @Test
    void indexExportsTheApiAndHidesTheTableAndThePipeline() throws Exception {
        ModuleDescriptor d = descriptor(BucketDB.class);
        assertExports(d, "io.bucketdb.index", Map.of(
                "io.bucketdb", Set.of(),
                "io.bucketdb.hash", Set.of("io.bucketdb.tools"),
                "io.bucketdb.inspect", Set.of("io.bucketdb.tools")));
        assertTrue(d.packages().containsAll(Set.of("io.bucketdb.table", "io.bucketdb.pipeline")), d.packages()::toString);
        assertTrue(d.opens().isEmpty(), "nothing open to reflection: " + d.opens());
    }

    /** {@code exported}: package to its qualified targets, an empty set meaning everyone. */
    static void assertExports(ModuleDescriptor d, String name, Map<String, Set<String>> exported) {
        assertEquals(name, d.name());
        Map<String, Set<String>> actual = new TreeMap<>();
        for (ModuleDescriptor.Exports e : d.exports()) {
            actual.put(e.source(), new TreeSet<>(e.targets()));
        }
        assertEquals(new TreeMap<>(exported), actual, name + " exports");
    }

    /** The descriptor of the module {@code c} is compiled into, from its classes directory or jar. */
    static ModuleDescriptor descriptor(Class<?> c) throws URISyntaxException {
        Path location = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        return ModuleFinder.of(location).findAll().stream().findFirst()
                .orElseThrow(() -> new AssertionError("no module descriptor in " + location)).descriptor();
    }
}
