package io.fastwebsockets.bench.echo;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
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
 *
 * <p><b>A lost write, repaired.</b> Java-WebSocket 1.6.0 writes only on its selector thread. After writing a
 * connection's queue empty it sets the key's interest to {@code OP_READ}; a decoder thread that queued an echo in
 * between (its {@code send} sets {@code OP_READ | OP_WRITE}) loses that interest, and the echo stays queued until the
 * connection sends something else: for a client that waits for it, forever. The window is a few instructions on the
 * selector thread, wide enough on a loaded two-core machine (a client echoing in a loop stalled in its 35th round,
 * EchoServersTest once in CI). What a user of the library would do: a watchdog, here every 100 ms, that asks again for
 * write interest on any connection with queued data and none asked, and says on stderr how often it did
 * ({@code -Dfastws.bench.lostWriteWatchdog=false} turns it off, to measure the library without it).
 */
public final class JavaWebSocketEchoServer extends WebSocketServer {
    // Completed with the bound port once the server listens (for tests that run it in their own JVM)
    final CompletableFuture<Integer> listening = new CompletableFuture<>();

    JavaWebSocketEchoServer(InetSocketAddress address) {
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

    /** {@code -Dfastws.bench.lostWriteWatchdog=false} runs the library as it is, without the repair. */
    static final String WATCHDOG_PROPERTY = "fastws.bench.lostWriteWatchdog";

    private final AtomicLong rearmed = new AtomicLong();
    private volatile Thread watchdog;

    // The repair described in the class comment: one daemon thread, no work unless a write was lost.
    private void watchLostWrites() {
        watchdog = Thread.ofPlatform().daemon().name("lost-write-watchdog").start(() -> {
            while (true) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                for (WebSocket conn : getConnections()) {
                    SelectionKey key = ((WebSocketImpl) conn).getSelectionKey();
                    if (key != null && key.isValid() && conn.hasBufferedData()
                            && (key.interestOps() & SelectionKey.OP_WRITE) == 0) {
                        long n = rearmed.incrementAndGet(); // before the write it causes: a reader sees it counted
                        onWriteDemand(conn);
                        System.err.println("java-websocket: re-armed a lost write (" + n + " so far)");
                    }
                }
            }
        });
    }

    /** {@return how many lost writes the watchdog has re-armed} */
    long rearmed() {
        return rearmed.get();
    }

    /** Stops the watchdog and the server (for tests that run it in their own JVM). */
    void shutdown() throws InterruptedException {
        Thread w = watchdog;
        if (w != null) {
            w.interrupt();
        }
        stop(1000);
    }

    @Override
    public void onStart() {
        if (Boolean.parseBoolean(System.getProperty(WATCHDOG_PROPERTY, "true"))) {
            watchLostWrites();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println(
                    "java-websocket: " + rearmed.get() + " lost write(s) re-armed in all")));
        } else {
            System.err.println("java-websocket: lost-write watchdog off (-D" + WATCHDOG_PROPERTY + "=false)");
        }
        System.err.println("java-websocket: 1 selector thread, " + Runtime.getRuntime().availableProcessors()
                + " decoder thread(s)");
        EchoArgs.announce(getPort());
        listening.complete(getPort());
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
