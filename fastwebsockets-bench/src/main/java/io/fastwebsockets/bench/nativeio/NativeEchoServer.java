package io.fastwebsockets.bench.nativeio;

import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.examples.EchoHandlers;
import io.fastwebsockets.internal.http.HttpParser;
import io.fastwebsockets.upgrade.HttpRequest;
import io.fastwebsockets.upgrade.ServerHandshake;
import io.fastwebsockets.upgrade.UpgradeException;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A measuring prototype, not a server to run: the blocking echo handlers of {@code OursEchoServer} (the core's
 * {@code WebSocket}, one virtual thread per connection, {@link EchoHandlers}) over sockets of our own
 * ({@link NativeSocket}: the C library's calls through the FFM API, one epoll poller) instead of the JDK's
 * {@code SocketChannel}, to measure what a connection costs without the JDK's channel (issue 21). It has none of the
 * server's limits, timeouts or connection bookkeeping. Linux only; JDK 22 or later.
 *
 * <pre>
 * NativeEchoServer [--host H] [--port P] [--mode raw|collector] [--warm-transport ROUNDS]
 * </pre>
 *
 * {@code --warm-transport} (default 20,000; 0 for none): {@link NativeSocket#warmUp} before listening.
 *
 * Prints {@code LISTENING <port>} once it accepts connections, as every echo server of {@code bench/server.sh}.
 */
public final class NativeEchoServer {
    private static final UpgradeOptions OPTIONS = UpgradeOptions.builder().maxMessageSize(64 << 20)
            .maxFramesPerMessage(Integer.MAX_VALUE).build();

    private NativeEchoServer() {
    }

    /** A blocking handler of a connection. */
    public interface Handler {
        /**
         * Serves one connection; it is closed when this returns.
         *
         * @param ws the connection
         * @throws Exception if it fails
         */
        void handle(WebSocket ws) throws Exception;
    }

    /**
     * Binds, announces the port and accepts until the process is killed.
     *
     * @param args see the class comment
     * @throws Exception if binding fails
     */
    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 0;
        String mode = "collector";
        int warm = 20_000;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--host" -> host = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--mode" -> mode = args[i + 1];
                case "--warm-transport" -> warm = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Handler handler = switch (mode) {
            case "raw" -> EchoHandlers::echoFrames;
            case "collector" -> EchoHandlers::echoMessages;
            default -> throw new IllegalArgumentException("--mode must be raw or collector, not " + mode);
        };
        long t0 = System.nanoTime();
        if (warm > 0) {
            NativeSocket.warmUp(warm);
        }
        System.err.printf("native echo prototype: transport warm-up of %d rounds took %d ms%n", warm,
                (System.nanoTime() - t0) / 1_000_000);
        int lfd = listen(host, port);
        System.err.println("native echo prototype: mode=" + mode + ", virtual thread per connection, epoll through FFM");
        System.out.println("LISTENING " + Libc.localPort(lfd));
        System.out.flush();
        accept(lfd, handler);
    }

    /**
     * Opens a listening socket.
     *
     * @param host an IPv4 address or name
     * @param port the port, 0 for an ephemeral one
     * @return its descriptor ({@link #port} gives the port)
     * @throws IOException if it cannot listen there
     */
    static int listen(String host, int port) throws IOException {
        byte[] ip = InetAddress.getByName(host).getAddress();
        if (ip.length != 4) {
            throw new IllegalArgumentException("IPv4 only: " + host);
        }
        int lfd = Libc.socket(Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (lfd < 0 || Libc.setIntOption(lfd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1) != 0
                || Libc.bind(lfd, ip, port) != 0 || Libc.listen(lfd, 4096) != 0) {
            int e = Libc.errno();
            if (lfd >= 0) {
                Libc.close(lfd);
            }
            throw new IOException("cannot listen on " + host + ":" + port + ": errno " + e);
        }
        return lfd;
    }

    /**
     * A prototype server started in this process (for tools and tests): its port, and {@link #close()}, which stops
     * accepting (connections already open stay).
     *
     * @param port the port it listens on
     * @param listener its listening socket
     * @param acceptor the thread that accepts
     */
    public record Running(int port, int listener, Thread acceptor) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            stop(listener, acceptor);
        }
    }

    /**
     * Starts accepting on an ephemeral port of {@code host}, serving each connection with {@code handler}, after
     * {@link NativeSocket#warmUp} of {@code -Dnative.warm} rounds (default 20,000).
     *
     * @param host an IPv4 address or name
     * @param handler the blocking handler
     * @return the running prototype
     * @throws IOException if it cannot listen
     */
    public static Running start(String host, Handler handler) throws IOException {
        try {
            NativeSocket.warmUp(Integer.getInteger("native.warm", 20_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        int lfd = listen(host, 0);
        Thread acceptor = Thread.ofPlatform().daemon().name("native-acceptor").start(() -> {
            try {
                accept(lfd, handler);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return new Running(port(lfd), lfd, acceptor);
    }

    /** @return the port a listening socket is bound to */
    static int port(int lfd) {
        return Libc.localPort(lfd);
    }

    /**
     * Stops {@link #accept} on another thread (it returns) and closes the listening socket. For tests.
     *
     * @param lfd the listening socket
     * @param acceptor the thread in {@link #accept}
     * @throws InterruptedException if interrupted while waiting for it
     */
    static void stop(int lfd, Thread acceptor) throws InterruptedException {
        Libc.shutdown(lfd, Libc.SHUT_RDWR); // accept4 then fails with EINVAL
        acceptor.join();
        Libc.close(lfd);
    }

    /**
     * Accepts connections on a platform thread (accept4 blocks it) and serves each on a virtual thread of its own,
     * until the listening socket is shut down.
     */
    static void accept(int lfd, Handler handler) throws InterruptedException {
        while (true) {
            int fd = Libc.accept4(lfd, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            if (fd < 0) {
                int e = Libc.errno();
                if (e == Libc.EINVAL) {
                    return; // shut down (stop)
                }
                if (e != Libc.EINTR) {
                    System.err.println("accept4: errno " + e);
                    Thread.sleep(10); // EMFILE and the like: let connections end
                }
                continue;
            }
            Libc.setIntOption(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
            NativeSocket socket;
            try {
                socket = new NativeSocket(fd);
            } catch (IOException e) {
                System.err.println(e.getMessage());
                continue;
            }
            Poller.INSTANCE.startWhenReadable(fd, new Connection(socket, handler));
        }
    }

    /**
     * What a connection's thread runs: the handshake, the handler, the release. A class rather than a lambda calling a
     * method, so that the parked stack keeps one frame for it, as the server's own connection does.
     */
    private record Connection(NativeSocket socket, Handler handler) implements Runnable {
        @Override
        public void run() {
            try {
                WebSocket ws = upgrade(socket);
                if (ws == null) {
                    return;
                }
                try (ws) {
                    handler.handle(ws);
                }
            } catch (Exception e) {
                // the peer went away or broke the protocol: the connection ends (the WebSocket answered what it could)
            } finally {
                socket.release();
            }
        }
    }

    /** Reads the request head, answers it; null when it was refused (answered with its status). */
    private static WebSocket upgrade(NativeSocket socket) throws IOException {
        byte[] head = new byte[4096];
        ByteBuffer in = ByteBuffer.wrap(head);
        int end = -1;
        while (end < 0) {
            int from = Math.max(0, in.position() - 3);
            if (!in.hasRemaining() || socket.read(in) < 0) {
                return null;
            }
            end = HttpParser.headEnd(head, from, in.position());
        }
        ServerHandshake.Acceptance accepted;
        try {
            HttpRequest request = HttpParser.parseRequest(head, end);
            accepted = ServerHandshake.validate(request, OPTIONS);
        } catch (UpgradeException e) {
            socket.write(ByteBuffer.wrap(("HTTP/1.1 " + e.status() + " Refused\r\nContent-Length: 0\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
            return null;
        }
        socket.write(ByteBuffer.wrap(accepted.responseBytes()));
        ByteBuffer rest = in.position() > end ? ByteBuffer.wrap(Arrays.copyOfRange(head, end, in.position())) : null;
        WebSocket ws = socket.open(Role.SERVER, rest);
        OPTIONS.applyLimits(ws);
        return ws;
    }
}
