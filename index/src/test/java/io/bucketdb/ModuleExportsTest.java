package io.bucketdb;

import com.lmax.disruptor.RingBuffer;
import io.bucketdb.recovery.JournalOptions;
import io.bucketdb.spi.CorruptIndexException;
import org.junit.jupiter.api.Test;

import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.module.ResolvedModule;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each module exports exactly its public API, and internals only to our own modules that need them. Tests
 * run on the class path (surefire's {@code useModulePath=false}), where every class is in the unnamed module,
 * so the descriptors are read from the compiled {@code module-info.class} of each module's classes directory
 * or jar. A new export must be added here too: that makes it a deliberate change.
 */
class ModuleExportsTest {
    private static final String STORAGE = "io.bucketdb.storage";
    private static final String RECOVERY = "io.bucketdb.recovery";
    private static final String INDEX = "io.bucketdb.index";
    private static final String TOOLS = "io.bucketdb.tools";

    @Test
    void storageExportsTheSpiToEveryoneAndItsInternalsByNameAndShipsNoSimulator() throws Exception {
        ModuleDescriptor d = descriptor(CorruptIndexException.class);
        assertFalse(d.packages().contains("io.bucketdb.storage.sim"), "the crash simulator is in the test jar: " + d.packages());
        assertExports(d, STORAGE, Map.of(
                "io.bucketdb.spi", Set.of(),
                "io.bucketdb.storage", Set.of(RECOVERY, INDEX, TOOLS)));
    }

    @Test
    void recoveryExportsItsPackageByNameOnly() throws Exception {
        assertExports(descriptor(JournalOptions.class), RECOVERY, Map.of("io.bucketdb.recovery", Set.of(INDEX, TOOLS)));
    }

    @Test
    void indexExportsTheApiAndHidesTheTableThePipelineAndTheHash() throws Exception {
        ModuleDescriptor d = descriptor(BucketDB.class);
        assertExports(d, INDEX, Map.of(
                "io.bucketdb", Set.of(),
                "io.bucketdb.engine", Set.of(TOOLS),
                "io.bucketdb.inspect", Set.of(TOOLS)));
        assertTrue(d.packages().containsAll(Set.of("io.bucketdb.table", "io.bucketdb.pipeline", "io.bucketdb.hash")),
                d.packages()::toString);
        assertTrue(d.opens().isEmpty(), "nothing open to reflection: " + d.opens());
        assertEquals(Set.of(STORAGE), d.requires().stream()
                .filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE))
                .map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()),
                "only storage (for io.bucketdb.spi) is read by the index's users");
    }

    /**
     * A module that requires {@code io.bucketdb.index}, resolved against the three modules' descriptors: what it
     * may use of BucketDB is the API and the SPI, nothing else, however the modules read each other.
     */
    @Test
    void aUserOfTheIndexModuleSeesOnlyTheApiAndTheSpi() throws Exception {
        ModuleDescriptor user = ModuleDescriptor.newModule("user.app").requires(INDEX).build();
        ModuleFinder ours = ModuleFinder.of(Stream.of(BucketDB.class, JournalOptions.class, CorruptIndexException.class,
                RingBuffer.class).map(ModuleExportsTest::location).distinct().toArray(Path[]::new));
        Configuration cf = ModuleLayer.boot().configuration().resolve(ModuleFinder.compose(single(user), ours),
                ModuleFinder.of(), Set.of(user.name()));
        ResolvedModule app = cf.findModule(user.name()).orElseThrow();
        Set<String> visible = new TreeSet<>();
        for (ResolvedModule read : app.reads()) {
            if (!read.name().startsWith("io.bucketdb.")) {
                continue;
            }
            for (ModuleDescriptor.Exports e : read.reference().descriptor().exports()) {
                if (!e.isQualified() || e.targets().contains(user.name())) {
                    visible.add(e.source());
                }
            }
        }
        assertEquals(new TreeSet<>(Set.of("io.bucketdb", "io.bucketdb.spi")), visible);
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
    static ModuleDescriptor descriptor(Class<?> c) {
        Path location = location(c);
        return ModuleFinder.of(location).findAll().stream().findFirst()
                .orElseThrow(() -> new AssertionError("no module descriptor in " + location)).descriptor();
    }

    /** The classes directory or jar {@code c} was loaded from. */
    static Path location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A finder of {@code d} alone; the module has no content, only the descriptor resolution needs. */
    private static ModuleFinder single(ModuleDescriptor d) {
        ModuleReference ref = new ModuleReference(d, null) {
            @Override
            public ModuleReader open() {
                throw new UnsupportedOperationException("a descriptor only");
            }
        };
        return new ModuleFinder() {
            @Override
            public Optional<ModuleReference> find(String name) {
                return name.equals(d.name()) ? Optional.of(ref) : Optional.empty();
            }

            @Override
            public Set<ModuleReference> findAll() {
                return Set.of(ref);
            }
        };
    }
}
