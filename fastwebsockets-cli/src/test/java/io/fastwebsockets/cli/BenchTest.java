package io.fastwebsockets.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.examples.EchoServer;
import io.fastwebsockets.server.WebSocketServer;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code fastws bench} as a process: it measures, it verifies every echo, and an open loop keeps to its rate. */
class BenchTest {
    private static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":([0-9.]+)").matcher(json);
        assertTrue(m.find(), field + " in " + json);
        return (long) Double.parseDouble(m.group(1));
    }

    @Test
    void closedLoopAgainstAnEchoServerCountsMessagesAndNoErrors() throws Exception {
        try (WebSocketServer echo = EchoServer.start("127.0.0.1", 0, false, null)) {
            CliProcess run = CliProcess.pipe("", "bench", "ws://127.0.0.1:" + echo.port() + "/", "-c", "4", "-s",
                    "100", "-d", "1s", "--warmup", "200ms", "--json");
            assertEquals(0, run.exit, run.toString());
            assertTrue(number(run.out, "messages") > 0, run.toString());
            assertEquals(0, number(run.out, "errors"), run.toString());
            assertTrue(run.err.contains("msg/s"), "a progress line every second: " + run);
            Matcher w = Pattern.compile("\"warmup_seconds\":([0-9.]+)").matcher(run.out);
            assertTrue(w.find(), run.toString());
            double warmedUp = Double.parseDouble(w.group(1));
            assertTrue(warmedUp >= 0.2 && warmedUp < 0.6 + 0.5, "at least --warmup, at most three times it: " + run);
        }
    }

    @Test
    void theWarmUpGoesOnWhileTheJitCompilesUpToThreeTimesWarmup() {
        long s = 1_000_000_000L;
        assertFalse(Bench.warmUpDone(2 * s - 1, 2 * s, 0), "never before --warmup");
        assertTrue(Bench.warmUpDone(2 * s, 2 * s, 0), "at --warmup with the JIT idle");
        assertTrue(Bench.warmUpDone(2 * s, 2 * s, Bench.JIT_QUIET_MS), "a little compilation is quiet enough");
        assertFalse(Bench.warmUpDone(2 * s, 2 * s, Bench.JIT_QUIET_MS + 1), "the JIT still busy: on");
        assertFalse(Bench.warmUpDone(6 * s - 1, 2 * s, 500), "still busy, under three times --warmup: on");
        assertTrue(Bench.warmUpDone(6 * s, 2 * s, 500), "three times --warmup: done, busy or not");
        assertTrue(Bench.warmUpDone(0, 0, 500), "--warmup 0s: none at all");
        assertTrue(Bench.warmUpDone(2 * s, 2 * s, -1), "a JVM that does not time its compiler: --warmup only");
    }

    @Test
    void aThreadsCpuTimeIsItsUserAndSystemTicks() {
        // proc(5): pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...;
        // a thread's name may hold spaces and parentheses
        String stat = "4242 (C2 CompilerThre) S 1 4200 4200 0 -1 4194624 310 0 0 0 173 29 0 0 20 0 1 0 55";
        assertEquals(202, Bench.cpuTicks(stat));
        assertEquals(7, Bench.cpuTicks("7 (a (b) c) R 1 2 3 0 -1 0 0 0 0 0 5 2 0 0 20 0 1 0 9"));
    }

    @Test
    void theJitsTimeIsFoundInThisJvm() {
        // JUnit and surefire have kept the JIT busy in this JVM: its compiler threads' CPU (or, off Linux, the
        // JVM's compilation time) is above zero
        assertTrue(Bench.jitMillis() > 0, "the compiler threads' time: " + Bench.jitMillis());
    }

    @Test
    void anEchoThatDiffersIsAnErrorAndExitsNonZero() throws Exception {
        anEchoChangedAtIsAnError(-1); // the last byte: the payload's fixed pattern
    }

    @Test
    void anEchoWithAnotherSequenceNumberIsAnError() throws Exception {
        anEchoChangedAtIsAnError(0); // the first byte: the sequence number stamped into every message
    }

    // An echo server that changes byte `at` of every message (-1: the last byte).
    private static void anEchoChangedAtIsAnError(int at) throws Exception {
        try (WebSocketServer liar = WebSocketServer.builder().bind("127.0.0.1", 0).handler(ws -> {
            FragmentCollector in = new FragmentCollector(ws);
            while (true) {
                Frame f = in.readFrame();
                if (f.opcode().isControl()) {
                    if (f.opcode() == io.fastwebsockets.OpCode.CLOSE) {
                        return;
                    }
                    continue;
                }
                byte[] b = f.payloadBytes();
                b[at < 0 ? b.length - 1 : at] ^= 1;
                ws.writeFrame(Frame.binary(ByteBuffer.wrap(b)));
            }
        }).start()) {
            CliProcess run = CliProcess.pipe("", "bench", "ws://127.0.0.1:" + liar.port() + "/", "-c", "2", "-s",
                    "32", "-d", "1s", "--warmup", "0s", "--json");
            assertEquals(1, run.exit, run.toString());
            assertTrue(number(run.out, "errors") >= 1, run.toString());
            assertTrue(run.err.contains("differs"), run.toString());
        }
    }

    @Test
    void echoesOfTheWarmUpAreNotCounted() throws Exception {
        // Echoes the first 200 messages, then none: all 200 round trips fall in the 1 s warm-up, none in the window.
        AtomicInteger left = new AtomicInteger(200);
        try (WebSocketServer stingy = WebSocketServer.builder().bind("127.0.0.1", 0).handler(ws -> {
            FragmentCollector in = new FragmentCollector(ws);
            while (true) {
                Frame f = in.readFrame();
                if (f.opcode() == io.fastwebsockets.OpCode.CLOSE) {
                    return;
                }
                if (!f.opcode().isControl() && left.getAndDecrement() > 0) {
                    ws.writeFrame(Frame.binary(f.payload()));
                }
            }
        }).start()) {
            CliProcess run = CliProcess.pipe("", "bench", "ws://127.0.0.1:" + stingy.port() + "/", "-c", "2", "-s",
                    "20", "-d", "500ms", "--warmup", "1s", "--json");
            assertEquals(0, run.exit, run.toString());
            assertTrue(left.get() < 0, "the server was asked for more than its 200 echoes: " + run);
            assertEquals(0, number(run.out, "messages"), run.toString());
            assertTrue(run.err.contains("warm-up"), "the warm-up has progress lines of its own: " + run);
        }
    }

    @Test
    void openLoopNeverSendsMoreThanItsRate() throws Exception {
        try (WebSocketServer echo = EchoServer.start("127.0.0.1", 0, false, null)) {
            // 200 msg/s over 2 connections for 1 s after a 0.5 s warm-up: at most 200 * 1.5 messages are ever due,
            // whatever the machine's speed, so at most that many can be counted.
            CliProcess run = CliProcess.pipe("", "bench", "ws://127.0.0.1:" + echo.port() + "/", "-c", "2", "-s",
                    "20", "-d", "1s", "--warmup", "500ms", "--rate", "200", "--text", "--json");
            assertEquals(0, run.exit, run.toString());
            long n = number(run.out, "messages");
            assertTrue(n > 0 && n <= 300, run.toString());
        }
    }

    @Test
    void anEchoMatchesOnlyIfEveryByteAndTheLengthAreTheSame() {
        // The comparison of an echo with the message sent: heap and direct echoes (the read buffer's view is direct),
        // at an offset, every length up to past two words, a change at every index (the word loop and the tail).
        for (int len = 0; len <= 20; len++) {
            byte[] sent = new byte[len];
            for (int i = 0; i < len; i++) {
                sent[i] = (byte) (31 * i + 7);
            }
            for (int kind = 0; kind < 3; kind++) { // heap, direct, a heap slice (array offset 2)
                String kindName = List.of("heap", "direct", "slice").get(kind);
                ByteBuffer echo = kind == 0 ? ByteBuffer.allocate(len + 6) : kind == 1
                        ? ByteBuffer.allocateDirect(len + 6) : ByteBuffer.allocate(len + 8).position(2).slice();
                echo.put(3, sent).position(3).limit(3 + len);
                assertTrue(Bench.Payloads.sameBytes(echo, sent), "len " + len + ", " + kindName);
                for (int i = 0; i < len; i++) {
                    echo.put(3 + i, (byte) (sent[i] ^ 0x40));
                    assertFalse(Bench.Payloads.sameBytes(echo, sent), "byte " + i + " of " + len + ", " + kindName);
                    echo.put(3 + i, sent[i]);
                }
                echo.limit(4 + len); // one byte more
                assertFalse(Bench.Payloads.sameBytes(echo, sent), "longer, len " + len);
                if (len > 0) {
                    echo.limit(2 + len); // one byte short
                    assertFalse(Bench.Payloads.sameBytes(echo, sent), "shorter, len " + len);
                }
            }
        }
    }

    @Test
    void badArgumentsAreAUsageError() throws Exception {
        CliProcess run = CliProcess.pipe("", "bench", "ws://127.0.0.1:1/", "-d", "soon");
        assertEquals(2, run.exit, run.toString());
        assertEquals(1, run.err.strip().lines().count(), run.toString());
    }
}
