package io.fastwebsockets.upgrade;

import io.fastwebsockets.internal.http.HttpParser;
import io.fastwebsockets.HttpHeaders;

import io.fastwebsockets.EventLoop;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The server side of the opening handshake (RFC 6455 §4.2): read a bounded request head within a deadline,
 * validate it, answer {@code 101 Switching Protocols}, and hand over a server-role {@link WebSocket} that starts
 * with any bytes the client sent after its request.
 *
 * <p>What is checked: method {@code GET}; {@code HTTP/1.1} or a later 1.x; exactly one {@code Host};
 * {@code Upgrade} containing {@code websocket} and {@code Connection} containing {@code upgrade}, both as
 * case-insensitive token lists; {@code Sec-WebSocket-Version: 13}; exactly one {@code Sec-WebSocket-Key} that is the
 * base64 of 16 bytes; the Origin check of the options; with permessage-deflate configured, the syntax of
 * {@code Sec-WebSocket-Extensions} (400 if it cannot be parsed) and the choice among its offers. A bad request is answered (400, 403, 408, 426 with
 * {@code Sec-WebSocket-Version: 13}, or 431) and the connection closed, and {@link UpgradeException} is thrown; a
 * client that vanished gets nothing and status 0.
 *
 * <p>The pieces are public for use with any HTTP stack: {@link #isUpgradeRequest}, {@link #acceptKey},
 * {@link #validate}.
 */
public final class ServerHandshake {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private ServerHandshake() {
    }

    /**
     * The result of a successful upgrade.
     *
     * @param webSocket the server-role connection
     * @param request the client's request head
     * @param subprotocol the chosen subprotocol, or {@code null}
     */
    public record Upgraded(WebSocket webSocket, HttpRequest request, String subprotocol) {
    }

    /**
     * What to answer to a valid upgrade request.
     *
     * @param acceptKey the {@code Sec-WebSocket-Accept} value
     * @param subprotocol the chosen subprotocol, or {@code null}
     * @param perMessageDeflate the accepted permessage-deflate parameters, or {@code null} for none; turn them on
     *     with {@link WebSocket#enablePerMessageDeflate} on the upgraded connection
     */
    public record Acceptance(String acceptKey, String subprotocol, PerMessageDeflate.Agreement perMessageDeflate) {
        /** @return the {@code Sec-WebSocket-Extensions} response value, or {@code null} for none */
        public String extensionsHeaderValue() {
            return perMessageDeflate == null ? null : perMessageDeflate.responseHeaderValue();
        }

        /** @return the complete 101 response head */
        public byte[] responseBytes() {
            StringBuilder r = new StringBuilder(160)
                    .append("HTTP/1.1 101 Switching Protocols\r\n")
                    .append("Upgrade: websocket\r\n")
                    .append("Connection: Upgrade\r\n")
                    .append("Sec-WebSocket-Accept: ").append(acceptKey).append("\r\n");
            if (subprotocol != null) {
                r.append("Sec-WebSocket-Protocol: ").append(subprotocol).append("\r\n");
            }
            if (perMessageDeflate != null) {
                r.append("Sec-WebSocket-Extensions: ").append(extensionsHeaderValue()).append("\r\n");
            }
            return r.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * Whether a request asks for a WebSocket upgrade at all (method GET, {@code Upgrade: websocket},
     * {@code Connection: upgrade}); it may still be an invalid one.
     *
     * @param method the request method
     * @param headers the request headers
     * @return whether it is an upgrade request
     */
    public static boolean isUpgradeRequest(String method, HttpHeaders headers) {
        return "GET".equals(method)
                && headers.containsToken("Upgrade", "websocket")
                && headers.containsToken("Connection", "upgrade");
    }

    /**
     * The {@code Sec-WebSocket-Accept} value for a key: base64(SHA-1(key + the RFC 6455 GUID)).
     *
     * @param secWebSocketKey the client's key, as sent
     * @return the accept value
     */
    public static String acceptKey(String secWebSocketKey) {
        // Digests are reused (digest() resets one): MessageDigest.getInstance allocates a provider lookup on every
        // call and leaves a thread-local cache entry behind in every (virtual) thread that makes it.
        MessageDigest sha1 = SHA1.take();
        byte[] digest;
        try {
            sha1.update(secWebSocketKey.getBytes(StandardCharsets.ISO_8859_1));
            sha1.update(GUID_BYTES);
            digest = sha1.digest();
        } catch (RuntimeException e) {
            sha1.reset();
            throw e;
        }
        SHA1.giveBack(sha1);
        return Base64.getEncoder().encodeToString(digest);
    }

    private static final byte[] GUID_BYTES = GUID.getBytes(StandardCharsets.ISO_8859_1);
    private static final BoundedPool<MessageDigest> SHA1 = new BoundedPool<>(16, ServerHandshake::newSha1);

    private static MessageDigest newSha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JDK", e);
        }
    }

    /**
     * Validates an upgrade request.
     *
     * @param request the request head
     * @param options the subprotocol selector and Origin check to apply
     * @return what to answer
     * @throws UpgradeException with the status to answer if the request cannot be accepted
     */
    public static Acceptance validate(HttpRequest request, UpgradeOptions options) throws UpgradeException {
        HttpHeaders h = request.headers();
        if (!"GET".equals(request.method())) {
            throw new UpgradeException(400, "WebSocket upgrade needs GET, not " + request.method());
        }
        String v = request.version();
        if (!v.startsWith("HTTP/1.") || v.length() != 8 || v.charAt(7) < '1' || v.charAt(7) > '9') {
            throw new UpgradeException(400, "WebSocket upgrade needs HTTP/1.1, not " + v);
        }
        if (h.count("Host") != 1 || h.get("Host").isEmpty()) {
            throw new UpgradeException(400, "exactly one Host header is required");
        }
        if (!h.containsToken("Upgrade", "websocket") || !h.containsToken("Connection", "upgrade")) {
            throw new UpgradeException(426, "not a WebSocket upgrade (Upgrade: websocket, Connection: Upgrade)");
        }
        List<String> versions = h.tokens("Sec-WebSocket-Version");
        if (versions.size() != 1 || !versions.get(0).equals("13")) {
            throw new UpgradeException(426, "unsupported Sec-WebSocket-Version " + versions + "; this server speaks 13");
        }
        if (h.count("Sec-WebSocket-Key") != 1) {
            throw new UpgradeException(400, "exactly one Sec-WebSocket-Key header is required");
        }
        String key = h.get("Sec-WebSocket-Key");
        if (!isValidKey(key)) {
            throw new UpgradeException(400, "Sec-WebSocket-Key is not the base64 of 16 bytes");
        }
        if (!options.originCheck().test(h.get("Origin"))) {
            throw new UpgradeException(403, "origin refused");
        }
        String subprotocol = null;
        List<String> offered = h.tokens("Sec-WebSocket-Protocol");
        if (!offered.isEmpty()) {
            subprotocol = options.subprotocolSelector().apply(offered);
            if (subprotocol != null && !offered.contains(subprotocol)) {
                throw new IllegalStateException("the subprotocol selector chose '" + subprotocol
                        + "', which the client did not offer");
            }
        }
        PerMessageDeflate.Agreement deflate = null;
        if (options.perMessageDeflate() != null) {
            try {
                deflate = options.perMessageDeflate().negotiate(h.all("Sec-WebSocket-Extensions"));
            } catch (IllegalArgumentException e) {
                throw new UpgradeException(400, e.getMessage());
            }
        }
        return new Acceptance(acceptKey(key), subprotocol, deflate);
    }

    private static boolean isValidKey(String key) {
        if (key.length() != 24 || !key.endsWith("==")) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Performs the handshake on a freshly accepted channel.
     *
     * @param channel the connection
     * @param options limits, subprotocol selection and Origin check
     * @return the WebSocket and the request
     * @throws UpgradeException if the request was refused (it has been answered and the channel closed)
     * @throws IOException if the connection failed (the channel is closed)
     */
    public static Upgraded upgrade(SocketChannel channel, UpgradeOptions options) throws IOException {
        return upgrade(channel, options, () -> true);
    }

    /**
     * Like {@link #upgrade(SocketChannel, UpgradeOptions)}, with a gate consulted after the request is validated
     * and before the 101 is written: if it returns false, the client gets 503 and the channel is closed (a server
     * shutting down uses it so that it never upgrades a connection it is about to drop).
     *
     * @param channel the connection
     * @param options limits, subprotocol selection and Origin check
     * @param gate whether to go on with the upgrade
     * @return the WebSocket and the request
     * @throws UpgradeException if the request was refused (it has been answered and the channel closed)
     * @throws IOException if the connection failed (the channel is closed)
     */
    public static Upgraded upgrade(SocketChannel channel, UpgradeOptions options, BooleanSupplier gate)
            throws IOException {
        return upgrade(channel, options, gate, null);
    }

    /**
     * Like {@link #upgrade(SocketChannel, UpgradeOptions, BooleanSupplier)}, handing the upgraded connection to an
     * {@link EventLoop} (see {@link WebSocket#afterHandshake(SocketChannel, Role, ByteBuffer, EventLoop)}).
     *
     * @param channel the connection
     * @param options limits, subprotocol selection and Origin check
     * @param gate whether to go on with the upgrade
     * @param loop the loop to watch the upgraded socket, or {@code null} for the JDK's poller
     * @return the WebSocket and the request
     * @throws UpgradeException if the request was refused (it has been answered and the channel closed)
     * @throws IOException if the connection failed (the channel is closed)
     */
    public static Upgraded upgrade(SocketChannel channel, UpgradeOptions options, BooleanSupplier gate,
            EventLoop loop) throws IOException {
        // The socket and its streams are made only if the request does not arrive whole at once (see below).
        return upgrade(null, null, null, options, channel, gate, loop);
    }

    /**
     * Performs the handshake on a connected socket, e.g. an {@code SSLSocket}; the WebSocket runs over its streams.
     *
     * @param socket the connection
     * @param options limits, subprotocol selection and Origin check
     * @return the WebSocket and the request
     * @throws UpgradeException if the request was refused (it has been answered and the socket closed)
     * @throws IOException if the connection failed (the socket is closed)
     */
    public static Upgraded upgrade(Socket socket, UpgradeOptions options) throws IOException {
        return upgrade(socket, options, () -> true);
    }

    /**
     * Like {@link #upgrade(Socket, UpgradeOptions)}, with the gate of
     * {@link #upgrade(SocketChannel, UpgradeOptions, BooleanSupplier)}.
     *
     * @param socket the connection
     * @param options limits, subprotocol selection and Origin check
     * @param gate whether to go on with the upgrade
     * @return the WebSocket and the request
     * @throws UpgradeException if the request was refused (it has been answered and the socket closed)
     * @throws IOException if the connection failed (the socket is closed)
     */
    public static Upgraded upgrade(Socket socket, UpgradeOptions options, BooleanSupplier gate) throws IOException {
        return upgrade(socket, socket.getInputStream(), socket.getOutputStream(), options, null, gate, null);
    }

    private static final int INITIAL_HEAD_BUFFER = 1024;
    // Request-head buffers of the initial size, reused: a handshake owns one only until its WebSocket has copied
    // the bytes that followed the head. Bounded: at most 64 KiB kept.
    static final BoundedPool<byte[]> HEAD_BUFFERS = new BoundedPool<>(64, () -> new byte[INITIAL_HEAD_BUFFER]);

    private static Upgraded upgrade(Socket socket, InputStream in, OutputStream out, UpgradeOptions options,
            SocketChannel channel, BooleanSupplier gate, EventLoop loop) throws IOException {
        // A typical upgrade request is a few hundred bytes: start small and grow up to the limit, so that thousands
        // of handshakes do not each churn through a limit-sized buffer.
        int max = options.maxHeadBytes();
        byte[] first = max >= INITIAL_HEAD_BUFFER ? HEAD_BUFFERS.take() : new byte[max];
        try {
            return upgrade(socket, in, out, options, channel, gate, loop, first);
        } finally {
            // Nothing refers to it any more: the request was parsed into strings, the bytes after it copied.
            if (first.length == INITIAL_HEAD_BUFFER) {
                HEAD_BUFFERS.giveBack(first);
            }
        }
    }

    // With a channel, socket, in and out are null at first: the request is read without blocking, and usually
    // arrives whole with the connection, so the 101 is written the same way and the channel never needs its socket
    // adaptor (nor the adaptor's streams, timed blocking reads and blocking-mode switch). Only a request still
    // incomplete after that first read is read through the adaptor, blocking, within the handshake deadline.
    private static Upgraded upgrade(Socket socket, InputStream in, OutputStream out, UpgradeOptions options,
            SocketChannel channel, BooleanSupplier gate, EventLoop loop, byte[] buf) throws IOException {
        int max = options.maxHeadBytes();
        int len = 0;
        int end = -1;
        HttpRequest request;
        Acceptance acceptance;
        try {
            long deadline = System.nanoTime() + options.handshakeTimeout().toNanos();
            if (socket == null) {
                channel.configureBlocking(false);
                int n = channel.read(ByteBuffer.wrap(buf));
                if (n < 0) {
                    throw new UpgradeException(0, "connection closed before a request");
                }
                len = n;
                end = HttpParser.headEnd(buf, 0, len);
                if (end < 0) {
                    channel.configureBlocking(true);
                    socket = channel.socket();
                    in = socket.getInputStream();
                    out = socket.getOutputStream();
                }
            }
            while (end < 0) {
                if (len == buf.length) {
                    if (buf.length >= max) {
                        throw new UpgradeException(431, "request head larger than " + max + " bytes");
                    }
                    buf = java.util.Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, max));
                }
                long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
                if (remainingMs <= 0) {
                    throw new UpgradeException(408, "request head not received within "
                            + options.handshakeTimeout());
                }
                socket.setSoTimeout((int) Math.min(remainingMs, Integer.MAX_VALUE));
                int n;
                try {
                    n = in.read(buf, len, buf.length - len);
                } catch (SocketTimeoutException e) {
                    throw new UpgradeException(408, "request head not received within "
                            + options.handshakeTimeout());
                }
                if (n < 0) {
                    throw new UpgradeException(0, len == 0 ? "connection closed before a request"
                            : "connection closed in the middle of the request head");
                }
                int from = Math.max(0, len - 3);
                len += n;
                end = HttpParser.headEnd(buf, from, len);
            }
            if (socket != null) {
                socket.setSoTimeout(0);
            }
            request = HttpParser.parseRequest(buf, end);
            acceptance = validate(request, options);
            if (!gate.getAsBoolean()) {
                throw new UpgradeException(503, "server is shutting down");
            }
            if (socket == null) {
                // A fresh connection's send buffer takes the 101 whole; should it not, finish blocking.
                ByteBuffer response = ByteBuffer.wrap(acceptance.responseBytes());
                channel.write(response);
                if (response.hasRemaining()) {
                    channel.configureBlocking(true);
                    while (response.hasRemaining()) {
                        channel.write(response);
                    }
                }
            } else {
                out.write(acceptance.responseBytes());
                out.flush();
            }
        } catch (UpgradeException e) {
            if (socket == null) {
                refuseOnChannel(channel, e);
            } else {
                refuse(socket, out, e);
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            if (socket == null) {
                closeQuietly(channel);
            } else {
                closeQuietly(socket);
            }
            throw e;
        }
        ByteBuffer rest = len > end ? ByteBuffer.wrap(buf, end, len - end) : null;
        WebSocket ws;
        try {
            ws = channel != null
                    ? WebSocket.afterHandshake(channel, Role.SERVER, rest, loop)
                    : WebSocket.afterHandshake(in, out, Role.SERVER, rest);
        } catch (IOException | RuntimeException e) {
            if (socket == null) {
                closeQuietly(channel);
            } else {
                closeQuietly(socket);
            }
            throw e;
        }
        ws.enablePerMessageDeflate(acceptance.perMessageDeflate());
        return new Upgraded(ws, request, acceptance.subprotocol());
    }

    /**
     * The response head for a refused handshake.
     *
     * @param e the refusal
     * @return the bytes of a complete response with a short plain-text body
     */
    public static byte[] refusalBytes(UpgradeException e) {
        String reason = switch (e.status()) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 408 -> "Request Timeout";
            case 426 -> "Upgrade Required";
            case 431 -> "Request Header Fields Too Large";
            case 503 -> "Service Unavailable";
            default -> "Error";
        };
        String body = e.getMessage() + "\n";
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder r = new StringBuilder(200)
                .append("HTTP/1.1 ").append(e.status()).append(' ').append(reason).append("\r\n");
        if (e.status() == 426) {
            r.append("Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n");
        }
        r.append("Connection: close\r\n")
                .append("Content-Type: text/plain; charset=utf-8\r\n")
                .append("Content-Length: ").append(bodyBytes.length).append("\r\n\r\n");
        byte[] head = r.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[head.length + bodyBytes.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bodyBytes, 0, all, head.length, bodyBytes.length);
        return all;
    }

    // Answers, then closes gracefully: stop sending, read and drop what the client is still sending for a short
    // while (so the close does not turn into a reset that destroys our answer in flight), then close.
    private static void refuse(Socket socket, OutputStream out, UpgradeException e) {
        try {
            if (e.status() != 0) {
                socket.setSoTimeout(1000);
                out.write(refusalBytes(e));
                out.flush();
                if (!(socket instanceof javax.net.ssl.SSLSocket)) {
                    socket.shutdownOutput();
                }
                InputStream in = socket.getInputStream();
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
            closeQuietly(socket);
        }
    }

    // A refusal on a channel still in non-blocking mode: answered like any other, through the blocking socket.
    private static void refuseOnChannel(SocketChannel channel, UpgradeException e) {
        Socket socket;
        OutputStream out;
        try {
            channel.configureBlocking(true);
            socket = channel.socket();
            out = socket.getOutputStream();
        } catch (IOException | RuntimeException x) {
            closeQuietly(channel);
            return;
        }
        refuse(socket, out, e);
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
