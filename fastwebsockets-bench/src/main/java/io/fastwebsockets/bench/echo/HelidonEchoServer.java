package io.fastwebsockets.bench.echo;

import io.helidon.common.buffers.BufferData;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsRouting;
import io.helidon.websocket.WsCloseCodes;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Helidon 4.5 SE echo server: its {@code WebServer} (one virtual thread per connection, blocking socket I/O) with a
 * {@code WsRouting} endpoint at {@code /} whose {@link WsListener} sends every message back. Helidon hands the
 * listener one frame at a time ({@code last} marks a message's final frame), so an unfragmented message is echoed
 * from the buffer it arrived in, and a fragmented one is joined first so it is echoed whole.
 *
 * <pre>
 * HelidonEchoServer [--host H] [--port P]
 * </pre>
 *
 * The frame limit is raised from Helidon's 1 MiB to 64 MiB (a joined message is held to the same bound), TCP_NODELAY
 * is turned on (Helidon's default is off; every other server of the benchmark has it on), the accept backlog is 1024
 * (Helidon's default), and idle connections are not closed for an hour (Helidon's default is 5 minutes), as no
 * server of the benchmark times idle connections out.
 */
public final class HelidonEchoServer {
    private HelidonEchoServer() {
    }

    /** One per connection; holds the fragments of a message until its last frame. */
    static final class EchoListener implements WsListener {
        private ByteArrayOutputStream binaryParts;
        private StringBuilder textParts;

        @Override
        public void onMessage(WsSession session, BufferData buffer, boolean last) {
            if (binaryParts == null && last) {
                session.send(buffer, true);
                return;
            }
            if (binaryParts == null) {
                binaryParts = new ByteArrayOutputStream(Math.max(buffer.available() * 2, 1024));
            }
            if ((long) binaryParts.size() + buffer.available() > EchoArgs.MAX_MESSAGE) {
                binaryParts = null;
                session.close(WsCloseCodes.TOO_BIG, "message too big");
                return;
            }
            byte[] part = new byte[buffer.available()];
            buffer.read(part);
            binaryParts.writeBytes(part);
            if (last) {
                byte[] whole = binaryParts.toByteArray();
                binaryParts = null;
                session.send(BufferData.create(whole), true);
            }
        }

        @Override
        public void onMessage(WsSession session, String text, boolean last) {
            if (textParts == null && last) {
                session.send(text, true);
                return;
            }
            if (textParts == null) {
                textParts = new StringBuilder();
            }
            if ((long) textParts.length() + text.length() > EchoArgs.MAX_MESSAGE) {
                textParts = null;
                session.close(WsCloseCodes.TOO_BIG, "message too big");
                return;
            }
            textParts.append(text);
            if (last) {
                String whole = textParts.toString();
                textParts = null;
                session.send(whole, true);
            }
        }
    }

    /**
     * Starts the server and blocks until the process is killed.
     *
     * @param args see the class comment
     * @throws Exception if interrupted
     */
    public static void main(String[] args) throws Exception {
        EchoArgs a = EchoArgs.parse("HelidonEchoServer", args);
        start(a, "helidon", EchoListener::new);
        Thread.currentThread().join();
    }

    /**
     * Starts the benchmark's Helidon server (shared with {@link HelidonBroadcastServer}) with the settings of the
     * class comment, a WebSocket endpoint at {@code /} with a new listener from {@code listeners} per connection,
     * and announces its port.
     *
     * @param a the command line
     * @param name the name diagnostics start with
     * @param listeners makes one listener per connection
     */
    static void start(EchoArgs a, String name, Supplier<WsListener> listeners) {
        WebServer server = WebServer.builder()
                .host(a.host)
                .port(a.port)
                .backlog(1024)
                .connectionOptions(socket -> socket.tcpNoDelay(true))
                .idleConnectionTimeout(Duration.ofHours(1))
                .addProtocol(WsConfig.builder().maxFrameLength(EchoArgs.MAX_MESSAGE).build())
                .addRouting(WsRouting.builder().endpoint("/", listeners))
                .build()
                .start();
        System.err.println(name + ": " + io.helidon.common.Version.VERSION + ", virtual thread per connection");
        EchoArgs.announce(server.port());
    }
}
