package io.fastwebsockets.bench.echo;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * Jetty 12.1 echo server on the Jetty WebSocket API ({@code jetty-websocket-jetty-server}) without servlets: a
 * {@code WebSocketUpgradeHandler} as the server's handler, mapping every path to a listener that receives whole
 * messages and sends each straight back. A binary message is echoed from the buffer Jetty delivered it in, and that
 * buffer is released (the delivery's callback completed) only when the echo has been written.
 *
 * <pre>
 * JettyEchoServer [--host H] [--port P] [--input-buffer BYTES]
 * </pre>
 *
 * Jetty's own defaults otherwise (its {@code QueuedThreadPool}, selector and acceptor counts follow the visible
 * CPUs). Message and frame limits are raised to 64 MiB (Jetty's default is 64 KiB), the accept queue to 1024, and
 * the WebSocket idle timeout (30 s by default) is turned off, as for every server of the benchmark. The WebSocket
 * input buffer is 32 KiB (our read buffer's size) instead of Jetty's 4 KiB, which reads a 16 KiB message in one
 * go; {@code --input-buffer} sets another size.
 */
public final class JettyEchoServer {
    private JettyEchoServer() {
    }

    /** One per connection: whole messages in, the same messages out. */
    public static final class EchoListener extends Session.Listener.AbstractAutoDemanding {
        /** Creates a listener; Jetty opens the session. */
        public EchoListener() {
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            getSession().sendBinary(payload, callback);
        }

        @Override
        public void onWebSocketText(String message) {
            getSession().sendText(message, Callback.NOOP);
        }
    }

    /**
     * Starts the server and blocks until the process is killed.
     *
     * @param args see the class comment
     * @throws Exception if binding fails
     */
    public static void main(String[] args) throws Exception {
        EchoArgs a = EchoArgs.parse("JettyEchoServer", args, "input-buffer");
        Server server = start(a, "jetty", EchoListener::new);
        server.join();
    }

    /**
     * Starts the benchmark's Jetty server (shared with {@link JettyBroadcastServer}) with the settings of the class
     * comment, mapping every path to a new listener from {@code listeners}, and announces its port.
     *
     * @param a the command line ({@code input-buffer} is read from it)
     * @param name the name diagnostics start with
     * @param listeners makes one listener per connection
     * @return the started server
     * @throws Exception if it does not start
     */
    static Server start(EchoArgs a, String name, Supplier<Session.Listener> listeners) throws Exception {
        int inputBuffer = a.intOption("input-buffer", 32 * 1024);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(a.host);
        connector.setPort(a.port);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxBinaryMessageSize(EchoArgs.MAX_MESSAGE);
            container.setMaxTextMessageSize(EchoArgs.MAX_MESSAGE);
            container.setMaxFrameSize(EchoArgs.MAX_MESSAGE);
            container.setIdleTimeout(Duration.ZERO);
            container.setInputBufferSize(inputBuffer);
            container.addMapping("/", (request, response, callback) -> listeners.get());
        }));
        server.start();
        System.err.println(name + ": " + Server.getVersion() + ", API=jetty-websocket-jetty-server, input buffer="
                + inputBuffer + ", selectors="
                + connector.getSelectorManager().getSelectorCount() + ", acceptors=" + connector.getAcceptors()
                + ", thread pool=" + server.getThreadPool());
        EchoArgs.announce(connector.getLocalPort());
        return server;
    }
}
