package io.fastwebsockets.examples;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.server.ServerStats;
import io.fastwebsockets.server.WebSocketServer;
import java.io.IOException;
import java.time.Duration;

/**
 * The code of docs/production-server.md, compiled here and run by {@code ProductionServerTest}: keepalive,
 * timeouts, drain on SIGTERM, stats.
 */
public final class ProductionServer {
    private ProductionServer() {
    }

    /**
     * A server with every production setting spelled out (each value shown is the default, except the port).
     *
     * @param port the port, 0 for any
     * @return the running server
     * @throws IOException if binding fails
     */
    public static WebSocketServer start(int port) throws IOException {
        WebSocketServer server = WebSocketServer.builder()
                .bind("127.0.0.1", port)
                .pingInterval(Duration.ofSeconds(30))   // silent for 30 s: a Ping
                .pongTimeout(Duration.ofSeconds(30))    // then silent 30 s more: Close 1001, TCP closed
                .writeTimeout(Duration.ofSeconds(30))   // a write blocked 30 s (peer not reading): closed
                .closeTimeout(Duration.ofSeconds(5))    // bound on every closing handshake
                .idleTimeout(null)                      // off: keepalive already removes dead peers
                .handler(ws -> {
                    try (FragmentCollector messages = new FragmentCollector(ws)) {
                        for (Frame f = messages.readFrame(); !f.opcode().isControl(); f = messages.readFrame()) {
                            messages.writeFrame(Frame.text("got " + f.payload().remaining() + " bytes"));
                        }
                    }
                })
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.shutdown(Duration.ofSeconds(5))));
        return server;
    }

    /**
     * One line of numbers for a log or a health endpoint.
     *
     * @param server the server
     * @return the line
     */
    public static String statsLine(WebSocketServer server) {
        ServerStats s = server.stats();
        return "open=" + s.openConnections() + " accepted=" + s.accepted()
                + " in=" + s.messagesIn() + "/" + s.bytesIn() + "B out=" + s.messagesOut() + "/" + s.bytesOut() + "B"
                + " keepaliveCloses=" + s.keepaliveCloses() + " closes=" + s.closes()
                + " handshakeFailures=" + s.handshakeFailures();
    }

    /**
     * Client options with keepalive on (off by default on the client).
     *
     * @return the options
     */
    public static ClientOptions clientWithKeepalive() {
        return ClientOptions.builder()
                .pingInterval(Duration.ofSeconds(20))
                .pongTimeout(Duration.ofSeconds(10))
                .build();
    }
}
