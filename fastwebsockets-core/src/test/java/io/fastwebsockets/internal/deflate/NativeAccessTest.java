package io.fastwebsockets.internal.deflate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * When the library touches native code: only with native access enabled (otherwise the JDK would print a warning
 * on a user's console, and a later JDK refuse), and never with {@code -Dfastwebsockets.zlib=jdk}. Each case runs
 * {@link ZlibProbe} in a JVM of its own on the class path (the unnamed module), and checks what it chose, that a
 * message through a 9-bit window comes back, and that nothing was printed on stderr.
 */
@Timeout(120)
class NativeAccessTest {
    private record Run(String out, String err) {
    }

    private static Run probe(String... jvmArgs) throws Exception {
        String cp = location(Zlib.class) + File.pathSeparator + location(ZlibProbe.class);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", cp, ZlibProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out + err);
        return new Run(out, err);
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    void withNativeAccessZlibIsUsedThroughTheFfmApi() throws Exception {
        Run r = probe("--enable-native-access=ALL-UNNAMED");
        assertTrue(r.out().contains("native=true zlib "), r.out());
        assertTrue(r.out().contains("roundtrip=true"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void withoutNativeAccessTheJdkClassesDoTheWorkAndNothingIsPrinted() throws Exception {
        Run r = probe();
        assertTrue(r.out().contains("native=false java.util.zip (JDK)"), r.out());
        assertTrue(r.out().contains("roundtrip=true"), r.out());
        assertEquals("", r.err(), "no restricted-method warning: native code was not touched");
    }

    @Test
    void thePropertyForcesTheJdkClasses() throws Exception {
        Run r = probe("--enable-native-access=ALL-UNNAMED", "-Dfastwebsockets.zlib=jdk");
        assertTrue(r.out().contains("native=false java.util.zip (JDK)"), r.out());
        assertTrue(r.out().contains("roundtrip=true"), r.out());
        assertFalse(r.err().contains("WARNING"), r.err());
    }
}
