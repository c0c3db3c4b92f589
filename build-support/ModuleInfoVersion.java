import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Build step: stamps a compiled module-info.class with class-file version 61 (Java 17).
 *
 * <p>Why: Maven on our machines runs on JDK 17, and maven-jar-plugin runs that JDK's jar tool
 * in-process to add module attributes; it cannot parse a version-69 (Java 25) descriptor and the
 * build fails ("The JDK jar tool exited with 1"). A module descriptor holds no bytecode, so its
 * content is the same at version 61; JDK 25 reads it unchanged. Only module-info.class is touched.
 *
 * <p>Run with JDK 25's source launcher: {@code java ModuleInfoVersion.java target/classes/module-info.class}.
 * A missing file (a module without a descriptor) is not an error.
 */
public final class ModuleInfoVersion {
    private static final int JAVA_17 = 61;

    public static void main(String[] args) throws IOException {
        for (String arg : args) {
            Path file = Path.of(arg);
            if (!Files.exists(file)) {
                continue;
            }
            byte[] bytes = Files.readAllBytes(file);
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            if (buf.getInt(0) != 0xCAFEBABE) {
                throw new IOException(file + " is not a class file");
            }
            if (buf.getShort(6) > JAVA_17) {
                buf.putShort(4, (short) 0);
                buf.putShort(6, (short) JAVA_17);
                Files.write(file, bytes);
            }
        }
    }
}
