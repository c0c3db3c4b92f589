package io.bucketdb.tools;

import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The tool's module exports nothing (it is a program, not a library) and opens its package to picocli alone,
 * which sets the commands' option fields by reflection. Read from the compiled descriptor: tests run on the
 * class path, where the module itself does not exist.
 */
class ModuleDescriptorTest {
    @Test
    void toolsExportsNothingAndOpensItsCommandsToPicocliOnly() throws Exception {
        Path location = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor d = ModuleFinder.of(location).findAll().stream().findFirst().orElseThrow().descriptor();
        assertEquals("io.bucketdb.tools", d.name());
        assertEquals(Set.of(), d.exports());
        assertEquals(1, d.opens().size(), d.opens()::toString);
        ModuleDescriptor.Opens opens = d.opens().iterator().next();
        assertEquals("io.bucketdb.tools", opens.source());
        assertEquals(Set.of("info.picocli"), opens.targets());
    }
}
