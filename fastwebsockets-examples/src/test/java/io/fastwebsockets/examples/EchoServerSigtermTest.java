package io.fastwebsockets.examples;

import static io.fastwebsockets.testkit.RawFrames.CLOSE;
import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawFrames.RawFrame;
import io.fastwebsockets.testkit.RawHttp;
import io.fastwebsockets.testkit.Transports;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The launcher's echo server as a process: SIGTERM drains it. Every open connection receives Close 1001, and the
 * process exits once the clients have answered, well before the grace period ends.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EchoServerSigtermTest {
    private static final int CLIENTS = 5;

    @Test
    void sigtermClosesEveryConnectionWith1001AndTheProcessExitsOnceTheyAreClosed() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path") + File.pathSeparator
                + System.getProperty("jdk.module.path", "");
        // A grace far longer than the test's timeout: the process must exit because the connections closed, not
        // because the grace ran out.
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(Transports.forkedJvmOptions()); // this run's transport, with the native access it needs
        command.addAll(List.of("-cp", cp, EchoServer.class.getName(), "--port", "0", "--grace", "10m"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<Socket> clients = new ArrayList<>();
        try {
            // The process's output, read as it comes (destroy() closes our end of the pipe).
            StringBuffer output = new StringBuffer();
            CompletableFuture<String> firstLine = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = out.readLine()) != null; ) {
                        firstLine.complete(l);
                        output.append(l).append('\n');
                    }
                } catch (java.io.IOException ignored) {
                    // the pipe was closed
                }
                firstLine.complete(null);
            });
            String line = firstLine.get(30, TimeUnit.SECONDS);
            Matcher m = Pattern.compile("ws://127\\.0\\.0\\.1:(\\d+)/").matcher(String.valueOf(line));
            assertTrue(m.find(), "unexpected first line: " + line);
            // The first line names the native transport when it serves: a run meant for one must not get the other.
            assertEquals(Transports.nativeExpected(), line.contains("native transport"), line);
            int port = Integer.parseInt(m.group(1));
            for (int i = 0; i < CLIENTS; i++) {
                Socket s = RawHttp.connect(port);
                s.setSoTimeout(20_000);
                send(s, validRequest());
                assertEquals(101, readResponse(s.getInputStream()).status());
                // One echoed message: the connection is up and its handler runs.
                send(s, clientFrame(FIN | TEXT, ("c" + i).getBytes(StandardCharsets.UTF_8)));
                assertEquals("c" + i, RawFrames.read(s.getInputStream()).text());
                clients.add(s);
            }
            p.destroy(); // SIGTERM
            for (Socket s : clients) {
                RawFrame f = RawFrames.read(s.getInputStream());
                assertEquals(CLOSE, f.opcode());
                assertEquals(CloseCode.GOING_AWAY, f.closeCode());
                send(s, clientFrame(FIN | CLOSE, RawFrames.closePayload(CloseCode.GOING_AWAY, "")));
                RawHttp.assertClosedByPeer(s);
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the server process did not exit after every connection closed");
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            p.destroyForcibly();
        }
    }
}
