package io.fastwebsockets.spring;

import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import java.io.IOException;
import java.net.URI;
import java.util.function.BooleanSupplier;

/** Our client, as the tests use it against the Boot application. */
final class Clients {
    private Clients() {
    }

    static Handshake.Connected connect(int port, String path) throws IOException {
        return connect(port, path, ClientOptions.defaults());
    }

    static Handshake.Connected connect(int port, String path, ClientOptions options) throws IOException {
        return Handshake.connect(URI.create("ws://127.0.0.1:" + port + path), options);
    }

    /** Reads past Pings and Pongs to the next message or Close. */
    static Frame next(FragmentCollector in) throws IOException {
        while (true) {
            Frame f = in.readFrame();
            if (f.opcode() != OpCode.PING && f.opcode() != OpCode.PONG) {
                return f;
            }
        }
    }

    /** Reads until the server's Close and returns its status. */
    static CloseCode.Status awaitClose(FragmentCollector in) throws IOException {
        while (true) {
            Frame f = in.readFrame();
            if (f.opcode() == OpCode.CLOSE) {
                return CloseCode.parse(f.payload());
            }
        }
    }

    /** Waits (at most 10 s) for a condition that another thread makes true, such as a handler's end. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
