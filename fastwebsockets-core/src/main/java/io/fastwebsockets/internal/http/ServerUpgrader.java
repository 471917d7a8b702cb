package io.fastwebsockets.internal.http;

import io.fastwebsockets.EventLoop;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.internal.ConnectionAccess;
import io.fastwebsockets.internal.server.NativeConnection;
import io.fastwebsockets.upgrade.HttpRequest;
import io.fastwebsockets.upgrade.ServerHandshake;
import io.fastwebsockets.upgrade.ServerHandshake.Acceptance;
import io.fastwebsockets.upgrade.ServerHandshake.Upgraded;
import io.fastwebsockets.upgrade.UpgradeException;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * The server's opening handshake over a live connection: read the request head (bounded, within the handshake
 * deadline), validate it ({@link ServerHandshake#validate}), ask the gate, answer {@code 101} or refuse and close,
 * then hand the connection on as a server-role {@link WebSocket} that starts with the bytes sent after the head.
 *
 * <p>One flow, two transports, each a {@link Peer}: {@link StreamPeer} over a connected {@link Socket} (an
 * {@code SSLSocket}), {@link ChannelPeer} over a {@link SocketChannel}. The public entry points are
 * {@code ServerHandshake.upgrade(channel, options)} and {@code upgrade(socket, options)}; the gate (a draining server
 * refuses with 503) and the event loop are the embedded server's, so they stay here, out of the exported API.
 */
public final class ServerUpgrader {
    private static final int INITIAL_HEAD_BUFFER = 1024;
    // Request-head buffers of the initial size, reused: a handshake owns one only until its WebSocket has copied
    // the bytes that followed the head. Bounded: at most 64 KiB kept.
    static final BoundedPool<byte[]> HEAD_BUFFERS = new BoundedPool<>(64, () -> new byte[INITIAL_HEAD_BUFFER]);

    private ServerUpgrader() {
    }

    /**
     * Asked after the request is validated and before the 101 is written: false refuses with 503. Also told when the
     * request head did not arrive with the connection and had to be waited for ({@link #headWaited}).
     */
    @FunctionalInterface
    public interface Gate extends BooleanSupplier {
        /**
         * The head did not arrive with the connection and was waited for (over the event loop, or without one in a
         * blocking, timed read through the channel's socket adaptor): the thread parked there, in the handshake's
         * stack, and a virtual thread keeps the largest stack it parked with. Called before {@link #getAsBoolean()},
         * on the handshake's thread. Does nothing by default.
         */
        default void headWaited() {
        }
    }

    /**
     * The handshake on a freshly accepted channel.
     *
     * @param channel the connection
     * @param options limits, subprotocol selection and Origin check
     * @param gate asked after the request is validated and before the 101 is written; false refuses with 503
     * @param loop the loop that watches the upgraded socket, or {@code null} for the JDK's poller
     * @return the WebSocket and the request
     * @throws UpgradeException if the request was refused (it has been answered and the channel closed)
     * @throws IOException if the connection failed (the channel is closed)
     */
    public static Upgraded overChannel(SocketChannel channel, UpgradeOptions options, Gate gate,
            EventLoop loop) throws IOException {
        return upgrade(new ChannelPeer(channel, loop), options, gate);
    }

    /**
     * The handshake on a freshly accepted socket of the native transport; the WebSocket runs over it.
     *
     * @param socket the connection
     * @param options limits, subprotocol selection and Origin check
     * @param gate as for {@link #overChannel}
     * @return the WebSocket and the request
     * @throws UpgradeException if the request was refused (it has been answered and the socket closed)
     * @throws IOException if the connection failed (the socket is closed)
     */
    public static Upgraded overNative(NativeConnection socket, UpgradeOptions options, Gate gate)
            throws IOException {
        return upgrade(new NativePeer(socket), options, gate);
    }

    /**
     * The handshake on a connected socket (e.g. an {@code SSLSocket}); the WebSocket runs over its streams.
     *
     * @param socket the connection
     * @param options limits, subprotocol selection and Origin check
     * @param gate as for {@link #overChannel}
     * @return the WebSocket and the request
     * @throws UpgradeException if the request was refused (it has been answered and the socket closed)
     * @throws IOException if the connection failed (the socket is closed)
     */
    public static Upgraded overSocket(Socket socket, UpgradeOptions options, Gate gate)
            throws IOException {
        return upgrade(new StreamPeer(socket, null), options, gate);
    }

    /**
     * The handshake on a TLS socket layered over a plain TCP socket: the WebSocket runs over the TLS streams and,
     * when closed while a write is blocked, closes the TCP socket first (a TLS close would wait for the blocked
     * write's lock).
     *
     * @param tls the TLS socket
     * @param underlying the TCP socket under it
     * @param options limits, subprotocol selection and Origin check
     * @param gate as for {@link #overChannel}
     * @return the WebSocket and the request
     * @throws UpgradeException if the request was refused (it has been answered and the socket closed)
     * @throws IOException if the connection failed (the socket is closed)
     */
    public static Upgraded overSocket(Socket tls, Socket underlying, UpgradeOptions options, Gate gate)
            throws IOException {
        return upgrade(new StreamPeer(tls, underlying), options, gate);
    }

    private static Upgraded upgrade(Peer peer, UpgradeOptions options, Gate gate) throws IOException {
        // A typical upgrade request is a few hundred bytes: start small and grow up to the limit, so that thousands
        // of handshakes do not each churn through a limit-sized buffer.
        int max = options.maxHeadBytes();
        byte[] first = max >= INITIAL_HEAD_BUFFER ? HEAD_BUFFERS.take() : new byte[max];
        try {
            return upgrade(peer, options, gate, first);
        } finally {
            // Nothing refers to it any more: the request was parsed into strings, the bytes after it copied.
            if (first.length == INITIAL_HEAD_BUFFER) {
                HEAD_BUFFERS.giveBack(first);
            }
        }
    }

    private static Upgraded upgrade(Peer peer, UpgradeOptions options, Gate gate, byte[] buf)
            throws IOException {
        Head head;
        HttpRequest request;
        Acceptance acceptance;
        try {
            head = readHead(peer, buf, options);
            if (peer.waited()) {
                gate.headWaited();
            }
            request = HttpParser.parseRequest(head.buf, head.end);
            acceptance = ServerHandshake.validate(request, options, peer.secure());
            if (!gate.getAsBoolean()) {
                throw new UpgradeException(503, "server is shutting down");
            }
            peer.write(acceptance.responseBytes());
        } catch (UpgradeException e) {
            peer.refuse(e);
            throw e;
        } catch (IOException | RuntimeException e) {
            peer.close();
            throw e;
        }
        WebSocket ws;
        try {
            ws = peer.open(head.rest());
        } catch (IOException | RuntimeException e) {
            peer.close();
            throw e;
        }
        options.applyLimits(ws);
        ws.enablePerMessageDeflate(acceptance.perMessageDeflate());
        return new Upgraded(ws, request, acceptance.subprotocol());
    }

    /** A request head read into {@code buf[0, end)}, followed by {@code buf[end, len)} of the first frames. */
    private record Head(byte[] buf, int end, int len) {
        ByteBuffer rest() {
            return len > end ? ByteBuffer.wrap(buf, end, len - end) : null;
        }
    }

    private static Head readHead(Peer peer, byte[] buf, UpgradeOptions options) throws IOException {
        int max = options.maxHeadBytes();
        long deadline = System.nanoTime() + options.handshakeTimeout().toNanos();
        int len = peer.readAvailable(buf);
        int end = HttpParser.headEnd(buf, 0, len);
        while (end < 0) {
            if (len == buf.length) {
                if (buf.length >= max) {
                    throw new UpgradeException(431, "request head larger than " + max + " bytes");
                }
                buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, max));
            }
            long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMs <= 0) {
                throw new UpgradeException(408, "request head not received within " + options.handshakeTimeout());
            }
            int n;
            try {
                n = peer.read(buf, len, buf.length - len, (int) Math.min(remainingMs, Integer.MAX_VALUE));
            } catch (SocketTimeoutException e) {
                throw new UpgradeException(408, "request head not received within " + options.handshakeTimeout());
            }
            if (n < 0) {
                throw new UpgradeException(0, len == 0 ? "connection closed before a request"
                        : "connection closed in the middle of the request head");
            }
            int from = Math.max(0, len - 3);
            len += n;
            end = HttpParser.headEnd(buf, from, len);
        }
        peer.headRead();
        return new Head(buf, end, len);
    }

    /** One side of the handshake's I/O: how to read the head, answer, refuse, close and go on as a WebSocket. */
    private abstract static class Peer {
        /** @return the bytes read without waiting (0 if none) */
        abstract int readAvailable(byte[] buf) throws IOException;

        /** @return bytes read, waiting at most {@code timeoutMs}, or -1 at end of stream */
        abstract int read(byte[] buf, int off, int len, int timeoutMs) throws IOException;

        /** @return whether the connection is TLS (the request's own origin is then https) */
        abstract boolean secure();

        /** The head is in: no more timed reads. */
        abstract void headRead() throws IOException;

        /** {@return whether reading the head had to wait, through a blocking timed read, for more of it} */
        boolean waited() {
            return false;
        }

        abstract void write(byte[] response) throws IOException;

        /** Answers the refusal (unless status 0), then closes gracefully. Never throws. */
        abstract void refuse(UpgradeException e);

        abstract void close();

        abstract WebSocket open(ByteBuffer rest) throws IOException;
    }

    /** Over a connected socket's blocking streams, with a read timeout for the deadline. */
    private static final class StreamPeer extends Peer {
        private final Socket socket;
        private final Socket underlying; // the TCP socket under a TLS one, or null
        private final InputStream in;
        private final OutputStream out;

        StreamPeer(Socket socket, Socket underlying) throws IOException {
            this.socket = socket;
            this.underlying = underlying;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        @Override
        int readAvailable(byte[] buf) {
            return 0;
        }

        @Override
        boolean secure() {
            return socket instanceof javax.net.ssl.SSLSocket;
        }

        @Override
        int read(byte[] buf, int off, int len, int timeoutMs) throws IOException {
            socket.setSoTimeout(timeoutMs);
            return in.read(buf, off, len);
        }

        @Override
        void headRead() throws IOException {
            socket.setSoTimeout(0);
        }

        @Override
        void write(byte[] response) throws IOException {
            out.write(response);
            out.flush();
        }

        // Answers, then closes gracefully: stop sending, read and drop what the client is still sending for a short
        // while (so the close does not turn into a reset that destroys our answer in flight), then close.
        @Override
        void refuse(UpgradeException e) {
            try {
                if (e.status() != 0) {
                    socket.setSoTimeout(1000);
                    out.write(refusalBytes(e));
                    out.flush();
                    if (!(socket instanceof javax.net.ssl.SSLSocket)) {
                        socket.shutdownOutput();
                    }
                    byte[] sink = new byte[8192];
                    long drained = 0;
                    long until = System.nanoTime() + 1_000_000_000L;
                    while (drained < (1 << 20) && System.nanoTime() < until) {
                        int n = in.read(sink);
                        if (n < 0) {
                            break;
                        }
                        drained += n;
                    }
                }
            } catch (IOException ignored) {
                // the client is gone or slow; we are closing anyway
            } finally {
                close();
            }
        }

        @Override
        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
            if (underlying != null) {
                try {
                    underlying.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }

        @Override
        WebSocket open(ByteBuffer rest) {
            return underlying == null ? WebSocket.afterHandshake(in, out, Role.SERVER, rest)
                    : ConnectionAccess.ops().overStreams(in, out, underlying, Role.SERVER, rest);
        }
    }

    /**
     * Over a channel. The request is read without blocking and usually arrives whole with the connection, so the 101
     * is written the same way and the channel never needs its socket adaptor (nor the adaptor's streams, timed
     * blocking reads and blocking-mode switch). A request still incomplete after that first read is waited for over
     * the event loop the connection will be served by, when there is one: a shallow park, and still no adaptor,
     * which {@code channel.socket()} would leave on the channel for its life. Without a loop it is read through the
     * adaptor ({@link StreamPeer}), blocking, within the deadline: the JDK offers a timed read of a channel only
     * there. Either way the WebSocket runs over the channel.
     */
    private static final class ChannelPeer extends Peer {
        private final SocketChannel channel;
        private final EventLoop loop;
        private StreamPeer blocking; // made on the first read that has to wait, without a loop
        private boolean onLoop; // the channel is registered with the loop for the head's wait (non-blocking for good)

        ChannelPeer(SocketChannel channel, EventLoop loop) {
            this.channel = channel;
            this.loop = loop;
        }

        @Override
        int readAvailable(byte[] buf) throws IOException {
            channel.configureBlocking(false);
            int n = channel.read(ByteBuffer.wrap(buf));
            if (n < 0) {
                throw new UpgradeException(0, "connection closed before a request");
            }
            return n;
        }

        @Override
        boolean secure() {
            return false;
        }

        @Override
        int read(byte[] buf, int off, int len, int timeoutMs) throws IOException {
            if (loop == null) {
                if (blocking == null) {
                    channel.configureBlocking(true);
                    blocking = new StreamPeer(channel.socket(), null);
                }
                return blocking.read(buf, off, len, timeoutMs);
            }
            // Over the loop: one wait for readiness (or the deadline), then what has arrived; 0 sends the caller round
            // again, to its deadline check.
            onLoop = true;
            ConnectionAccess.ops().awaitHeadBytes(loop, channel, System.nanoTime() + timeoutMs * 1_000_000L);
            return channel.read(ByteBuffer.wrap(buf, off, len));
        }

        @Override
        void headRead() throws IOException {
            if (blocking != null) {
                blocking.headRead();
            } else if (onLoop) {
                ConnectionAccess.ops().endHeadWait(loop, channel);
            }
        }

        @Override
        boolean waited() {
            return blocking != null || onLoop;
        }

        @Override
        void write(byte[] response) throws IOException {
            if (blocking != null) {
                blocking.write(response);
                return;
            }
            // A fresh connection's send buffer takes the 101 whole; should it not, finish blocking (a channel registered
            // with the loop cannot block: its response is far smaller than any send buffer, so that never happens).
            ByteBuffer bytes = ByteBuffer.wrap(response);
            channel.write(bytes);
            if (bytes.hasRemaining()) {
                if (onLoop) {
                    throw new IOException("the socket's send buffer did not take the 101");
                }
                channel.configureBlocking(true);
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
        }

        @Override
        void refuse(UpgradeException e) {
            if (onLoop) {
                refuseOnLoop(e);
                return;
            }
            if (blocking == null) {
                // Still non-blocking: answered like any other refusal, through the blocking socket adaptor.
                try {
                    channel.configureBlocking(true);
                    blocking = new StreamPeer(channel.socket(), null);
                } catch (IOException | RuntimeException x) {
                    close();
                    return;
                }
            }
            blocking.refuse(e);
        }

        // StreamPeer.refuse's graceful refusal for a channel that waited on the loop, and so stays non-blocking: the
        // answer (a few hundred bytes, which a fresh connection's send buffer takes whole), then the client's bytes
        // read and dropped, waiting over the loop, for at most a second and 1 MiB, then the close.
        private void refuseOnLoop(UpgradeException e) {
            try {
                if (e.status() != 0) {
                    channel.write(ByteBuffer.wrap(refusalBytes(e)));
                    channel.shutdownOutput();
                    drainAfterRefusal(channel::read, until -> {
                        ConnectionAccess.ops().awaitHeadBytes(loop, channel, until);
                        return true; // readiness, the deadline or a spurious return: the loop looks at the clock
                    });
                }
            } catch (IOException ignored) {
                // the client is gone or slow; we are closing anyway
            } finally {
                close();
            }
        }

        @Override
        void close() {
            if (onLoop) {
                ConnectionAccess.ops().closeWakingHeadWait(channel, loop); // the loop releases the socket now
                return;
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }

        @Override
        WebSocket open(ByteBuffer rest) throws IOException {
            return WebSocket.afterHandshake(channel, Role.SERVER, rest, loop);
        }
    }

    /**
     * Over a socket of the native transport: non-blocking reads, and waits for the poller's report within the
     * deadline; the 101 and a refusal are written the same way, waiting for room if the socket has none (it has: a
     * fresh connection's send buffer takes them whole).
     */
    private static final class NativePeer extends Peer {
        private final NativeConnection socket;
        private boolean waited;
        private boolean lastReadShort; // the last read found the socket empty (less than its room, or nothing)

        NativePeer(NativeConnection socket) {
            this.socket = socket;
        }

        @Override
        int readAvailable(byte[] buf) throws IOException {
            int n = socket.readNow(ByteBuffer.wrap(buf));
            if (n < 0) {
                throw new UpgradeException(0, "connection closed before a request");
            }
            lastReadShort = n < buf.length;
            return n;
        }

        @Override
        int read(byte[] buf, int off, int len, int timeoutMs) throws IOException {
            ByteBuffer into = ByteBuffer.wrap(buf, off, len);
            int n = socket.readNow(into);
            if (n == 0) {
                // One wait for the report (or the deadline), then what has arrived; 0 sends the caller round again,
                // to its deadline check.
                waited = true;
                if (!socket.awaitReadable(System.nanoTime() + timeoutMs * 1_000_000L)) {
                    throw new SocketTimeoutException("request head not received in time");
                }
                n = socket.readNow(into);
            }
            lastReadShort = n >= 0 && n < len;
            return n;
        }

        @Override
        boolean secure() {
            return false;
        }

        @Override
        void headRead() {
        }

        @Override
        boolean waited() {
            return waited;
        }

        @Override
        void write(byte[] response) throws IOException {
            ByteBuffer bytes = ByteBuffer.wrap(response);
            while (bytes.hasRemaining()) {
                if (socket.writeNow(bytes) == 0) {
                    socket.awaitWritable(); // ended by the handshake deadline's close, if it comes to that
                }
            }
        }

        // Answers, stops sending, then reads and drops what the client still sends for at most a second and 1 MiB
        // (so that the close does not turn into a reset that destroys the answer in flight), then closes.
        @Override
        void refuse(UpgradeException e) {
            try {
                if (e.status() != 0) {
                    socket.writeNow(ByteBuffer.wrap(refusalBytes(e))); // a fresh socket takes it whole
                    socket.shutdownOutput();
                    drainAfterRefusal(socket::readNow, socket::awaitReadable);
                }
            } catch (IOException ignored) {
                // the client is gone or slow; we are closing anyway
            } finally {
                close();
            }
        }

        @Override
        void close() {
            socket.close();
        }

        @Override
        WebSocket open(ByteBuffer rest) {
            return ConnectionAccess.ops().overNative(socket, rest, lastReadShort);
        }
    }

    /** A non-blocking read: bytes read, 0 if none were there, -1 at the end of the stream. */
    @FunctionalInterface
    private interface ReadNow {
        int read(ByteBuffer dst) throws IOException;
    }

    /** A wait for readiness until a deadline ({@link System#nanoTime()}); false if the deadline passed. */
    @FunctionalInterface
    private interface AwaitReadable {
        boolean await(long deadline) throws IOException;
    }

    // After a refusal over a non-blocking socket, answered and shut down for output: reads and drops what the client
    // still sends, at most 1 MiB within a second, so that the close does not turn into a reset that destroys the answer
    // in flight.
    private static void drainAfterRefusal(ReadNow read, AwaitReadable await) throws IOException {
        ByteBuffer sink = ByteBuffer.allocate(8192);
        long drained = 0;
        long until = System.nanoTime() + 1_000_000_000L;
        while (drained < (1 << 20) && System.nanoTime() - until < 0) {
            sink.clear();
            int n = read.read(sink);
            if (n < 0 || n == 0 && !await.await(until)) {
                break;
            }
            drained += n;
        }
    }

    /**
     * The response to a refused handshake: the status, a fixed short plain-text body that repeats nothing of the
     * request (the details are in the exception, for the log), and {@code X-Content-Type-Options: nosniff}.
     *
     * @param e the refusal
     * @return the bytes of a complete response
     */
    public static byte[] refusalBytes(UpgradeException e) {
        String reason = e.reasonPhrase();
        byte[] body = (e.status() + " " + reason + "\n").getBytes(StandardCharsets.ISO_8859_1);
        StringBuilder r = new StringBuilder(200)
                .append("HTTP/1.1 ").append(e.status()).append(' ').append(reason).append("\r\n");
        if (e.status() == 426) {
            r.append("Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n");
        }
        r.append("Connection: close\r\n")
                .append("Content-Type: text/plain; charset=utf-8\r\n")
                .append("X-Content-Type-Options: nosniff\r\n")
                .append("Content-Length: ").append(body.length).append("\r\n\r\n");
        byte[] head = r.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }
}
