package io.fastwebsockets.upgrade;

import io.fastwebsockets.internal.http.BoundedPool;
import io.fastwebsockets.internal.http.HttpParser;
import io.fastwebsockets.internal.http.ServerUpgrader;
import io.fastwebsockets.HttpHeaders;

import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import java.io.IOException;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/**
 * The server side of the opening handshake (RFC 6455 §4.2): read a bounded request head within a deadline,
 * validate it, answer {@code 101 Switching Protocols}, and hand over a server-role {@link WebSocket} that starts
 * with any bytes the client sent after its request.
 *
 * <p>What is checked: method {@code GET}; {@code HTTP/1.1} or a later 1.x; exactly one {@code Host};
 * {@code Upgrade} containing {@code websocket} and {@code Connection} containing {@code upgrade}, both as
 * case-insensitive token lists; {@code Sec-WebSocket-Version: 13}; exactly one {@code Sec-WebSocket-Key} that is the
 * base64 of 16 bytes; no body; at most one {@code Origin}, accepted by the options' Origin policy (by default: none,
 * or the request's own); with permessage-deflate configured, the syntax of {@code Sec-WebSocket-Extensions} (400 if
 * it cannot be parsed) and the choice among its offers. A bad request is answered (400, 403, 408, 426 with
 * {@code Sec-WebSocket-Version: 13}, or 431) with a fixed short body that repeats nothing of the request, and the
 * connection closed, and {@link UpgradeException} is thrown with the details; a client that vanished gets nothing and
 * status 0.
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
        /** {@return the {@code Sec-WebSocket-Extensions} response value, or {@code null} for none} */
        public String extensionsHeaderValue() {
            return perMessageDeflate == null ? null : perMessageDeflate.responseHeaderValue();
        }

        /** {@return the complete 101 response head} */
        public byte[] responseBytes() {
            // Written straight into the one array it returns (ISO-8859-1): no builder, no string, no second copy.
            String extensions = extensionsHeaderValue();
            int length = RESPONSE_START.length + acceptKey.length() + 2
                    + (subprotocol == null ? 0 : PROTOCOL_FIELD.length + subprotocol.length() + 2)
                    + (extensions == null ? 0 : EXTENSIONS_FIELD.length + extensions.length() + 2) + 2;
            byte[] r = new byte[length];
            int at = put(r, 0, RESPONSE_START);
            at = putLine(r, at, acceptKey);
            if (subprotocol != null) {
                at = putLine(r, put(r, at, PROTOCOL_FIELD), subprotocol);
            }
            if (extensions != null) {
                at = putLine(r, put(r, at, EXTENSIONS_FIELD), extensions);
            }
            r[at] = '\r';
            r[at + 1] = '\n';
            return r;
        }

        private static int put(byte[] dst, int at, byte[] src) {
            System.arraycopy(src, 0, dst, at, src.length);
            return at + src.length;
        }

        // The value and CRLF; a char beyond ISO-8859-1 becomes '?', as String.getBytes(ISO_8859_1) makes it.
        private static int putLine(byte[] dst, int at, String value) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                dst[at++] = c <= 0xFF ? (byte) c : (byte) '?';
            }
            dst[at] = '\r';
            dst[at + 1] = '\n';
            return at + 2;
        }

        private static final byte[] RESPONSE_START = ("HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: ").getBytes(StandardCharsets.ISO_8859_1);
        private static final byte[] PROTOCOL_FIELD = "Sec-WebSocket-Protocol: ".getBytes(StandardCharsets.ISO_8859_1);
        private static final byte[] EXTENSIONS_FIELD =
                "Sec-WebSocket-Extensions: ".getBytes(StandardCharsets.ISO_8859_1);
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
     * Validates an upgrade request that arrived over plain HTTP ({@code http} is its own scheme for the Origin
     * check); same as {@code validate(request, options, false)}.
     *
     * @param request the request head
     * @param options the subprotocol selector and Origin check to apply
     * @return what to answer
     * @throws UpgradeException with the status to answer if the request cannot be accepted
     */
    public static Acceptance validate(HttpRequest request, UpgradeOptions options) throws UpgradeException {
        return validate(request, options, false);
    }

    /**
     * Validates an upgrade request. Besides the checks of the class comment, a request with a body
     * ({@code Transfer-Encoding}, or a {@code Content-Length} other than 0) gets 400: an upgrade request has none, and
     * bytes after its head belong to the WebSocket.
     *
     * @param request the request head
     * @param options the subprotocol selector and Origin check to apply
     * @param secure whether the request arrived over TLS: the request's own origin is then {@code https://Host}
     *     rather than {@code http://Host} (see {@link UpgradeOptions#acceptsOrigin})
     * @return what to answer
     * @throws UpgradeException with the status to answer if the request cannot be accepted
     */
    public static Acceptance validate(HttpRequest request, UpgradeOptions options, boolean secure)
            throws UpgradeException {
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
        int lengths = h.count("Content-Length");
        if (h.count("Transfer-Encoding") > 0 || (lengths > 0 && !(lengths == 1 && "0".equals(h.get("Content-Length"))))) {
            throw new UpgradeException(400, "an upgrade request has no body (Content-Length or Transfer-Encoding)");
        }
        if (h.count("Origin") > 1) {
            throw new UpgradeException(403, "more than one Origin header");
        }
        if (!options.acceptsOrigin(h.get("Origin"), h.get("Host"), secure)) {
            throw new UpgradeException(403, "origin refused: " + h.get("Origin"));
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
     * Performs the handshake on a freshly accepted channel: reads the request head (at most
     * {@link UpgradeOptions#maxHeadBytes()}, within {@link UpgradeOptions#handshakeTimeout()}), validates it, answers
     * {@code 101} and returns the WebSocket over the channel.
     *
     * @param channel the connection
     * @param options limits, subprotocol selection and Origin check
     * @return the WebSocket and the request
     * @throws UpgradeException if the request was refused (it has been answered and the channel closed)
     * @throws IOException if the connection failed (the channel is closed)
     */
    public static Upgraded upgrade(SocketChannel channel, UpgradeOptions options) throws IOException {
        return ServerUpgrader.overChannel(channel, options, () -> true, null);
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
        return ServerUpgrader.overSocket(socket, options, () -> true);
    }
}
