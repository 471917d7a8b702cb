package io.fastwebsockets.handshake;

import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.HttpHeaders;
import io.fastwebsockets.internal.ConnectionAccess;
import io.fastwebsockets.internal.http.HttpParser;
import io.fastwebsockets.internal.server.SharedTimers;
import io.fastwebsockets.upgrade.ServerHandshake;
import io.fastwebsockets.upgrade.UpgradeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.IDN;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The client side of the opening handshake (RFC 6455 §4.1), for {@code ws://} and {@code wss://} URIs.
 *
 * <pre>{@code
 * Handshake.Connected c = Handshake.connect(URI.create("wss://example.com/chat"));
 * WebSocket ws = c.webSocket();
 * }</pre>
 *
 * <p>It connects (with a timeout), runs TLS for {@code wss://} (SNI, and hostname verification unless turned off),
 * sends the upgrade request with a fresh random key, and checks the answer: status 101, {@code Upgrade:
 * websocket}, {@code Connection: upgrade}, the exact {@code Sec-WebSocket-Accept}, a subprotocol only if one was
 * offered, and no extension but permessage-deflate when it was offered ({@link ClientOptions.Builder#perMessageDeflate}),
 * with valid parameters. Anything else closes the connection and throws
 * {@link HandshakeException}.
 */
public final class Handshake {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Handshake() {
    }

    /**
     * A successful client handshake.
     *
     * @param webSocket the client-role connection
     * @param headers the server's response headers
     * @param subprotocol the subprotocol the server chose, or {@code null}
     */
    public record Connected(WebSocket webSocket, HttpHeaders headers, String subprotocol) {
    }

    /**
     * @return a fresh {@code Sec-WebSocket-Key}: the base64 of 16 random bytes
     */
    static String generateKey() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    /**
     * Connects with the default options.
     *
     * @param uri a {@code ws://} or {@code wss://} URI
     * @return the connection
     * @throws HandshakeException if the server refused or answered wrongly
     * @throws IOException if connecting failed or timed out
     */
    public static Connected connect(URI uri) throws IOException {
        return connect(uri, ClientOptions.defaults());
    }

    /**
     * Connects.
     *
     * @param uri a {@code ws://} or {@code wss://} URI
     * @param options headers, subprotocols, timeouts, TLS
     * @return the connection
     * @throws HandshakeException if the server refused or answered wrongly
     * @throws IOException if connecting failed or timed out
     */
    public static Connected connect(URI uri, ClientOptions options) throws IOException {
        return open(uri, options, null);
    }

    /**
     * Connects, then hands the connection to {@code listener}, which receives its messages (see
     * {@link ClientListener}): on the options' {@link ClientOptions.Builder#eventLoop event loop}'s own thread for a
     * {@code ws://} URI, otherwise on a virtual thread of the connection's own. {@link ClientListener#onOpen} may run
     * before this returns, or after. The connection returned is the one the listener gets; never read from it.
     *
     * <pre>{@code
     * try (EventLoop loop = EventLoop.startOnPlatformThread("client-loop")) { // listeners run on its thread
     *     ClientOptions options = ClientOptions.builder().eventLoop(loop).build();
     *     Handshake.connect(uri, options, new ClientListener() {
     *         public void onOpen(WebSocket ws) throws IOException {
     *             ws.writeFrame(Frame.text("hello"));
     *         }
     *
     *         public void onMessage(WebSocket ws, Frame message) throws IOException {
     *             System.out.println(StandardCharsets.UTF_8.decode(message.payload()));
     *             ws.close(CloseCode.NORMAL, "");
     *         }
     *     });
     *     ...
     * }
     * }</pre>
     *
     * @param uri a {@code ws://} or {@code wss://} URI
     * @param options headers, subprotocols, timeouts, TLS, the event loop
     * @param listener what receives the connection's events
     * @return the connection
     * @throws HandshakeException if the server refused or answered wrongly (the listener is never called)
     * @throws IOException if connecting failed or timed out (the listener is never called)
     */
    public static Connected connect(URI uri, ClientOptions options, ClientListener listener) throws IOException {
        return open(uri, options, java.util.Objects.requireNonNull(listener, "listener"));
    }

    private static Connected open(URI uri, ClientOptions options, ClientListener listener) throws IOException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean tls;
        switch (scheme) {
            case "ws" -> tls = false;
            case "wss" -> tls = true;
            default -> throw new IllegalArgumentException("not a ws:// or wss:// URI: " + uri);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("URI without a host: " + uri);
        }
        if (uri.getRawFragment() != null) {
            throw new IllegalArgumentException("WebSocket URIs have no fragment: " + uri);
        }
        String host = uri.getHost();
        String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        int port = uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80;
        InetSocketAddress address = new InetSocketAddress(bareHost, port);
        if (address.isUnresolved()) {
            throw new java.net.UnknownHostException(bareHost);
        }
        int connectMs = (int) Math.min(options.connectTimeout().toMillis(), Integer.MAX_VALUE);
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        String hostHeader = (uri.getPort() == -1 || uri.getPort() == (tls ? 443 : 80)) ? host : host + ":" + port;
        long deadline = System.nanoTime() + options.handshakeTimeout().toNanos();

        if (!tls) {
            SocketChannel channel = SocketChannel.open();
            try {
                channel.socket().connect(address, connectMs);
                Socket s = channel.socket();
                Exchange ex = exchange(s, s.getInputStream(), s.getOutputStream(), path, hostHeader, options,
                        deadline);
                WebSocket ws = WebSocket.afterHandshake(channel, Role.CLIENT, ex.rest, options.eventLoop());
                ws.enablePerMessageDeflate(ex.deflate);
                return started(ws, options, listener, ex);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
        Socket plain = new Socket();
        try {
            plain.connect(address, connectMs);
            SSLContext ctx = options.sslContext() != null ? options.sslContext() : SSLContext.getDefault();
            SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(plain, bareHost, port, true);
            SSLParameters params = ssl.getSSLParameters();
            if (options.verifyHostname()) {
                params.setEndpointIdentificationAlgorithm("HTTPS");
            }
            if (!isIpLiteral(bareHost)) {
                params.setServerNames(List.of(new SNIHostName(IDN.toASCII(bareHost))));
            }
            ssl.setSSLParameters(params);
            ssl.setSoTimeout(remainingMs(deadline, options));
            ssl.startHandshake();
            Exchange ex = exchange(ssl, ssl.getInputStream(), ssl.getOutputStream(), path, hostHeader, options,
                    deadline);
            // Over the TLS streams, knowing the TCP socket under them: a close while a write is blocked on a server
            // that stopped reading closes that socket first (the TLS write lock would hold it otherwise).
            WebSocket ws = ConnectionAccess.ops().overStreams(ssl.getInputStream(), ssl.getOutputStream(), plain,
                    Role.CLIENT, ex.rest);
            ws.enablePerMessageDeflate(ex.deflate);
            return started(ws, options, listener, ex);
        } catch (java.security.NoSuchAlgorithmException e) {
            plain.close();
            throw new IOException("no default TLS context", e);
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    // The keepalive timer, and the listener's first turn: the listener observes the connection before any timer can
    // close it.
    private static Connected started(WebSocket ws, ClientOptions options, ClientListener listener, Exchange ex) {
        ListenedConnection listened = listener == null ? null : new ListenedConnection(ws, listener);
        SharedTimers.start(ws, options.pingInterval(), options.pongTimeout(), null);
        if (listened != null) {
            listened.start();
        }
        return new Connected(ws, ex.headers, ex.subprotocol);
    }

    // Package-private for the fuzz target (fastwebsockets-fuzz), which drives the response reading without a server.
    record Exchange(HttpHeaders headers, String subprotocol, ByteBuffer rest, PerMessageDeflate.Agreement deflate) {
    }

    static Exchange exchange(Socket socket, InputStream in, OutputStream out, String path,
            String hostHeader, ClientOptions options, long deadline) throws IOException {
        String key = generateKey();
        StringBuilder req = new StringBuilder(256)
                .append("GET ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(hostHeader).append("\r\n")
                .append("Upgrade: websocket\r\n")
                .append("Connection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n");
        if (!options.subprotocols().isEmpty()) {
            req.append("Sec-WebSocket-Protocol: ").append(String.join(", ", options.subprotocols())).append("\r\n");
        }
        if (options.perMessageDeflate() != null) {
            req.append("Sec-WebSocket-Extensions: ").append(options.perMessageDeflate().offer()).append("\r\n");
        }
        for (String[] h : options.headers()) {
            req.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        req.append("\r\n");
        out.write(req.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();

        byte[] buf = new byte[options.maxHeadBytes()];
        int len = 0;
        int end = -1;
        while (end < 0) {
            if (len == buf.length) {
                throw new HandshakeException(0, null, "response head larger than " + buf.length + " bytes");
            }
            socket.setSoTimeout(remainingMs(deadline, options));
            int n;
            try {
                n = in.read(buf, len, buf.length - len);
            } catch (SocketTimeoutException e) {
                throw new HandshakeException(0, null, "no complete response within " + options.handshakeTimeout());
            }
            if (n < 0) {
                throw new HandshakeException(0, null, "server closed the connection during the handshake");
            }
            int from = Math.max(0, len - 3);
            len += n;
            end = HttpParser.headEnd(buf, from, len);
        }
        socket.setSoTimeout(0);
        HttpParser.Response response;
        try {
            response = HttpParser.parseResponse(buf, end);
        } catch (UpgradeException e) {
            throw new HandshakeException(0, null, "malformed response: " + e.getMessage());
        }
        HttpHeaders h = response.headers();
        if (response.status() != 101) {
            throw new HandshakeException(response.status(), h, "server answered " + response.status() + " "
                    + response.reason() + " instead of 101");
        }
        if (!h.containsToken("Upgrade", "websocket")) {
            throw new HandshakeException(101, h, "response lacks Upgrade: websocket");
        }
        if (!h.containsToken("Connection", "upgrade")) {
            throw new HandshakeException(101, h, "response lacks Connection: Upgrade");
        }
        String accept = h.get("Sec-WebSocket-Accept");
        if (h.count("Sec-WebSocket-Accept") != 1 || !ServerHandshake.acceptKey(key).equals(accept)) {
            throw new HandshakeException(101, h, "wrong Sec-WebSocket-Accept");
        }
        List<String> protocols = h.tokens("Sec-WebSocket-Protocol");
        String subprotocol = null;
        if (!protocols.isEmpty()) {
            if (protocols.size() != 1 || !options.subprotocols().contains(protocols.get(0))) {
                throw new HandshakeException(101, h, "server chose subprotocol " + protocols
                        + ", which was not offered");
            }
            subprotocol = protocols.get(0);
        }
        PerMessageDeflate.Agreement deflate = null;
        if (options.perMessageDeflate() == null) {
            if (!h.tokens("Sec-WebSocket-Extensions").isEmpty()) {
                throw new HandshakeException(101, h, "server enabled extensions that were not offered: "
                        + h.tokens("Sec-WebSocket-Extensions"));
            }
        } else {
            try {
                deflate = options.perMessageDeflate().acceptResponse(h.all("Sec-WebSocket-Extensions"));
            } catch (IllegalArgumentException e) {
                throw new HandshakeException(101, h, "bad Sec-WebSocket-Extensions: " + e.getMessage());
            }
        }
        ByteBuffer rest = len > end ? ByteBuffer.wrap(buf, end, len - end) : null;
        return new Exchange(h, subprotocol, rest, deflate);
    }

    private static int remainingMs(long deadline, ClientOptions options) throws HandshakeException {
        long ms = (deadline - System.nanoTime()) / 1_000_000;
        if (ms <= 0) {
            throw new HandshakeException(0, null, "handshake not complete within " + options.handshakeTimeout());
        }
        return (int) Math.min(ms, Integer.MAX_VALUE);
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }
}
