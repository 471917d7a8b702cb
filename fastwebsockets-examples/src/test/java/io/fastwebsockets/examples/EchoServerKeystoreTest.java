package io.fastwebsockets.examples;

import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.TestTls;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The echo server's key store password comes from the environment or a file, never from the command line (where
 * {@code ps} shows it to every user): {@code --storepass} is refused, {@code FASTWS_KEYSTORE_PASSWORD} serves wss://.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EchoServerKeystoreTest {
    @TempDir
    Path dir;

    private static ProcessBuilder echoServer(String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path") + File.pathSeparator
                + System.getProperty("jdk.module.path", "");
        List<String> command = new ArrayList<>(List.of(java, "-cp", cp, EchoServer.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove(EchoServer.PASSWORD_ENV);
        return pb;
    }

    @Test
    void aPasswordOnTheCommandLineIsRefused() throws Exception {
        Process p = echoServer("--port", "0", "--tls", "--keystore", "x.p12", "--storepass", "changeit").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains(EchoServer.PASSWORD_ENV) && out.contains("--storepass-file"), out);
    }

    @Test
    void thePasswordFromTheEnvironmentOrAFileServesWss() throws Exception {
        TestTls.Contexts tls = TestTls.selfSigned(dir, "ip:127.0.0.1"); // password "changeit", in dir
        Path store;
        try (var files = Files.list(dir)) {
            store = files.filter(f -> f.toString().endsWith(".p12")).findFirst().orElseThrow();
        }
        Path passwordFile = Files.writeString(dir.resolve("password"), "changeit\n");
        for (boolean fromFile : new boolean[] {false, true}) {
            ProcessBuilder pb = fromFile
                    ? echoServer("--port", "0", "--tls", "--keystore", store.toString(), "--storepass-file",
                            passwordFile.toString())
                    : echoServer("--port", "0", "--tls", "--keystore", store.toString());
            if (!fromFile) {
                pb.environment().put(EchoServer.PASSWORD_ENV, "changeit");
            }
            Process p = pb.start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8));
                String line = out.readLine();
                Matcher m = Pattern.compile("wss://127\\.0\\.0\\.1:(\\d+)/").matcher(String.valueOf(line));
                assertTrue(m.find(), "unexpected first line: " + line);
                try (SSLSocket s = (SSLSocket) tls.client().getSocketFactory().createSocket("127.0.0.1",
                        Integer.parseInt(m.group(1)))) {
                    s.setSoTimeout(10_000);
                    send(s, validRequest());
                    assertEquals(101, readResponse(s.getInputStream()).status());
                    send(s, clientFrame(FIN | TEXT, "over tls".getBytes(StandardCharsets.UTF_8)));
                    assertEquals("over tls", RawFrames.read(s.getInputStream()).text());
                }
            } finally {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
