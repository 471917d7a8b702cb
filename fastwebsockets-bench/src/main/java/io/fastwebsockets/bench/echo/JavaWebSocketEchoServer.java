package io.fastwebsockets.bench.echo;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/**
 * Java-WebSocket 1.6 echo server: its {@code WebSocketServer} (one selector thread, decoder worker threads as many
 * as the visible CPUs) echoing each whole message from {@code onMessage}.
 *
 * <pre>
 * JavaWebSocketEchoServer [--host H] [--port P]
 * </pre>
 *
 * TCP_NODELAY on, an accept backlog of 1024, and the connection-lost check (a ping every 60 s, closing peers that
 * do not answer) turned off: no server of the benchmark times idle connections out.
 */
public final class JavaWebSocketEchoServer extends WebSocketServer {
    private JavaWebSocketEchoServer(InetSocketAddress address) {
        super(address);
        setTcpNoDelay(true);
        setReuseAddr(true);
        setConnectionLostTimeout(0);
        setMaxPendingConnections(1024);
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        conn.send(message);
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
        conn.send(message);
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
        if (conn == null) { // the server itself failed (bind, selector): nothing will be served
            System.err.println("java-websocket: server failed: " + ex);
            System.exit(1);
        }
    }

    @Override
    public void onStart() {
        System.err.println("java-websocket: 1 selector thread, " + Runtime.getRuntime().availableProcessors()
                + " decoder thread(s)");
        EchoArgs.announce(getPort());
    }

    /**
     * Starts the server; it runs until the process is killed.
     *
     * @param args see the class comment
     */
    public static void main(String[] args) {
        EchoArgs a = EchoArgs.parse("JavaWebSocketEchoServer", args);
        new JavaWebSocketEchoServer(new InetSocketAddress(a.host, a.port)).start();
    }
}
