package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher ({@code ./fastws}) runs its long-running servers, echo-server and broadcast-server, with compact object
 * headers ({@code -XX:+UseCompactObjectHeaders}) on a JDK of feature version 25 or later, where the option is a
 * product one, by default or with {@code FASTWS_COMPACT_HEADERS=1}, and never on an older JDK (21 to 24 refuse or lock
 * it); {@code FASTWS_COMPACT_HEADERS=0} leaves it off, and the other commands never get it. What the launcher would run with comes from {@code ./fastws jvm-options CMD},
 * which reads the same array the server commands execute with and builds nothing. The JDK versions are faked by a
 * {@code JAVA_HOME} whose {@code java} only reports a version; the JDK running the tests checks the option for real.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LauncherJvmOptionsTest {
    private static final String COMPACT = "-XX:+UseCompactObjectHeaders";

    @TempDir
    Path dir;

    private static final Map<String, String> ON = Map.of("FASTWS_COMPACT_HEADERS", "1");

    @Test
    void theServersGetCompactHeadersFromJdk25On() throws Exception {
        for (int feature : new int[] {25, 26}) {
            Path jdk = fakeJdk(feature);
            for (Map<String, String> env : List.of(Map.<String, String>of(), ON)) {
                for (String command : List.of("echo-server", "broadcast-server")) {
                    assertEquals(List.of("--enable-native-access=ALL-UNNAMED", COMPACT), jvmOptions(jdk, env, command),
                            command + " on a JDK " + feature + " " + env);
                }
            }
        }
    }

    @Test
    void notBeforeJdk25() throws Exception {
        for (int feature : new int[] {21, 24}) {
            Path jdk = fakeJdk(feature);
            for (String command : List.of("echo-server", "broadcast-server")) {
                assertEquals(List.of("--enable-native-access=ALL-UNNAMED"), jvmOptions(jdk, ON, command),
                        command + " on a JDK " + feature);
            }
        }
    }

    @Test
    void notWhenTurnedOffNorForTheOtherCommands() throws Exception {
        Path jdk = fakeJdk(25);
        for (String command : List.of("echo-server", "broadcast-server")) {
            assertEquals(List.of("--enable-native-access=ALL-UNNAMED"),
                    jvmOptions(jdk, Map.of("FASTWS_COMPACT_HEADERS", "0"), command), command + ", turned off");
        }
        for (String command : List.of("connect", "bench", "example", "autobahn-client", "servlet-echo", "spring-echo")) {
            assertEquals(List.of("--enable-native-access=ALL-UNNAMED"), jvmOptions(jdk, ON, command), command);
        }
    }

    // FASTWS_TRANSPORT=jdk|native: the servers' transport (-Dfastwebsockets.transport), for the servers only; any other
    // value is refused with one line.
    @Test
    void fastwsTransportReachesTheServersOnly() throws Exception {
        Path jdk = fakeJdk(25);
        for (String t : List.of("jdk", "native")) {
            Map<String, String> env = Map.of("FASTWS_TRANSPORT", t);
            for (String command : List.of("echo-server", "broadcast-server")) {
                assertEquals(List.of("--enable-native-access=ALL-UNNAMED", COMPACT, "-Dfastwebsockets.transport=" + t),
                        jvmOptions(jdk, env, command), command + " " + env);
            }
            assertEquals(List.of("--enable-native-access=ALL-UNNAMED"), jvmOptions(jdk, env, "connect"), "connect");
        }
        Result r = run(jdk, Map.of("FASTWS_TRANSPORT", "nio"), "echo-server");
        assertEquals(2, r.status, r.out);
        assertEquals("fastws: FASTWS_TRANSPORT is jdk or native, not 'nio'", r.err.strip());
    }

    @Test
    void theRealJdkTakesWhatTheLauncherGivesIt() throws Exception {
        Path jdk = Path.of(System.getProperty("java.home"));
        List<String> options = jvmOptions(jdk, ON, "echo-server");
        boolean expected = Runtime.version().feature() >= 25;
        assertEquals(expected, options.contains(COMPACT), options.toString());
        List<String> cmd = new ArrayList<>(List.of(jdk.resolve("bin/java").toString()));
        cmd.addAll(options);
        cmd.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        boolean on = out.lines().anyMatch(l -> l.matches("\\s*bool UseCompactObjectHeaders\\s+= true\\s.*"));
        assertEquals(expected, on, "UseCompactObjectHeaders in the JVM's final flags");
    }

    @Test
    void aCommandWithoutAJvmOfItsOwnIsRefused() throws Exception {
        Result r = run(fakeJdk(25), Map.of(), "mvn");
        assertEquals(2, r.status, r.out);
        assertTrue(r.out.isEmpty(), r.out);
    }

    /** A JAVA_HOME whose javac exists and whose java reports {@code feature} as its specification version. */
    private Path fakeJdk(int feature) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("jdk-" + feature).resolve("bin"));
        String reply = "#!/bin/sh\necho '    java.specification.version = " + feature + "' >&2\n"
                + "echo 'openjdk version \"" + feature + "\"' >&2\n";
        for (String tool : List.of("java", "javac")) {
            Path f = Files.writeString(bin.resolve(tool), reply);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin.getParent();
    }

    private static List<String> jvmOptions(Path javaHome, Map<String, String> env, String command) throws Exception {
        Result r = run(javaHome, env, command);
        assertEquals(0, r.status, r.err);
        return r.out.lines().toList();
    }

    private record Result(int status, String out, String err) { }

    private static Result run(Path javaHome, Map<String, String> env, String command) throws Exception {
        Path launcher = ReadmeSnippetsTest.repoRoot().resolve("fastws");
        ProcessBuilder pb = new ProcessBuilder("bash", launcher.toString(), "jvm-options", command);
        pb.environment().put("JAVA_HOME", javaHome.toString());
        pb.environment().remove("FASTWS_COMPACT_HEADERS");
        pb.environment().remove("FASTWS_TRANSPORT");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the launcher did not finish");
        return new Result(p.exitValue(), out, err);
    }
}
