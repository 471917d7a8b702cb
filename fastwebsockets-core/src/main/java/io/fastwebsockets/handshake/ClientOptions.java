package io.fastwebsockets.handshake;

import io.fastwebsockets.EventLoop;
import io.fastwebsockets.deflate.PerMessageDeflate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/** Options of the client handshake. Immutable; build with {@link #builder()}. */
public final class ClientOptions {
    private final List<String[]> headers;
    private final List<String> subprotocols;
    private final Duration connectTimeout;
    private final Duration handshakeTimeout;
    private final SSLContext sslContext;
    private final boolean verifyHostname;
    private final int maxHeadBytes;
    private final PerMessageDeflate perMessageDeflate;
    private final EventLoop eventLoop;
    private final Duration pingInterval;
    private final Duration pongTimeout;

    private ClientOptions(Builder b) {
        this.pingInterval = b.pingInterval;
        this.pongTimeout = b.pingInterval == null ? null : b.pongTimeout != null ? b.pongTimeout : b.pingInterval;
        this.eventLoop = b.eventLoop;
        this.perMessageDeflate = b.perMessageDeflate;
        this.headers = List.copyOf(b.headers);
        this.subprotocols = List.copyOf(b.subprotocols);
        this.connectTimeout = b.connectTimeout;
        this.handshakeTimeout = b.handshakeTimeout;
        this.sslContext = b.sslContext;
        this.verifyHostname = b.verifyHostname;
        this.maxHeadBytes = b.maxHeadBytes;
    }

    /** {@return the defaults: 10 s timeouts, the JDK's default TLS context, hostname verification on} */
    public static ClientOptions defaults() {
        return builder().build();
    }

    /** {@return a builder starting from the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the loop that ws:// connections are registered with, or {@code null} for the JDK's poller} */
    public EventLoop eventLoop() {
        return eventLoop;
    }

    /** {@return how long a connection may receive nothing before it sends a Ping, or {@code null} for no keepalive} */
    public Duration pingInterval() {
        return pingInterval;
    }

    /**
     * {@return how long the connection may then stay silent before it is closed, or {@code null} without keepalive}
     */
    public Duration pongTimeout() {
        return pongTimeout;
    }

    /** {@return extra request headers, as name/value pairs} */
    public List<String[]> headers() {
        return headers;
    }

    /** {@return subprotocols offered, in order of preference} */
    public List<String> subprotocols() {
        return subprotocols;
    }

    /** {@return the TCP connect timeout} */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** {@return the time allowed for the TLS handshake and the HTTP exchange} */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** {@return the permessage-deflate settings offered, or {@code null} if compression is not offered} */
    public PerMessageDeflate perMessageDeflate() {
        return perMessageDeflate;
    }

    /** {@return the TLS context for {@code wss://}, or {@code null} for the JDK default} */
    public SSLContext sslContext() {
        return sslContext;
    }

    /** {@return whether the server certificate must match the host name} */
    public boolean verifyHostname() {
        return verifyHostname;
    }

    /** {@return the largest response head accepted} */
    public int maxHeadBytes() {
        return maxHeadBytes;
    }

    /** Builds {@link ClientOptions}. */
    public static final class Builder {
        private final List<String[]> headers = new ArrayList<>();
        private final List<String> subprotocols = new ArrayList<>();
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private SSLContext sslContext;
        private boolean verifyHostname = true;
        private int maxHeadBytes = 16 * 1024;
        private PerMessageDeflate perMessageDeflate;
        private EventLoop eventLoop;
        private Duration pingInterval;
        private Duration pongTimeout;

        private Builder() {
        }

        /**
         * Keepalive: when the connection has received nothing (no frame, no byte) for this long, a Ping is sent; if
         * nothing arrives within the {@link #pongTimeout pong timeout} after it, the connection is closed (Close 1001
         * if the socket is writable, then TCP), and {@code readFrame} ends with a
         * {@link io.fastwebsockets.ConnectionClosedException} naming the timeout. Anything received counts as a sign
         * of life, and a connection that receives is never pinged. The timers run on one thread shared by every client
         * connection, never one per connection. Replies arrive only while a thread is reading the connection. Default
         * off (the server usually pings; a browser never does).
         *
         * @param interval the silence that sends a Ping, or {@code null} for no keepalive
         * @return this
         */
        public Builder pingInterval(Duration interval) {
            this.pingInterval = interval == null ? null : positive(interval);
            return this;
        }

        /**
         * How long the connection may stay silent after a keepalive Ping before it is closed; default: the ping
         * interval. Used only with {@link #pingInterval}.
         *
         * @param timeout the timeout
         * @return this
         */
        public Builder pongTimeout(Duration timeout) {
            this.pongTimeout = positive(timeout);
            return this;
        }

        /**
         * Adds a request header (e.g. {@code Origin}, {@code Authorization}). The handshake's own headers
         * ({@code Host}, {@code Upgrade}, {@code Connection}, {@code Sec-WebSocket-*}) cannot be overridden.
         *
         * @param name the field name
         * @param value the value
         * @return this
         */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name);
            Objects.requireNonNull(value);
            if (!io.fastwebsockets.internal.http.HttpParser.isToken(name)) {
                throw new IllegalArgumentException("header name '" + name + "' is not an HTTP token");
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if ((c < 0x20 && c != '\t') || c == 0x7F) {
                    throw new IllegalArgumentException("control character in the value of header " + name);
                }
            }
            String lower = name.toLowerCase(java.util.Locale.ROOT);
            if (lower.equals("host") || lower.equals("upgrade") || lower.equals("connection")
                    || lower.startsWith("sec-websocket-")) {
                throw new IllegalArgumentException(name + " is set by the handshake itself");
            }
            headers.add(new String[] {name, value});
            return this;
        }

        /**
         * The subprotocols to offer ({@code Sec-WebSocket-Protocol}).
         *
         * @param offered subprotocols to offer, in order of preference
         * @return this
         */
        public Builder subprotocols(String... offered) {
            for (String s : offered) {
                if (!io.fastwebsockets.internal.http.HttpParser.isToken(s)) {
                    throw new IllegalArgumentException("subprotocol '" + s + "' is not a token");
                }
                subprotocols.add(s);
            }
            return this;
        }

        /**
         * The TCP connect timeout.
         *
         * @param timeout TCP connect timeout
         * @return this
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout);
            return this;
        }

        /**
         * The time allowed for the handshake.
         *
         * @param timeout time allowed for the TLS handshake and the HTTP exchange
         * @return this
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive(timeout);
            return this;
        }

        /**
         * The TLS context for {@code wss://} URIs.
         *
         * @param context the TLS context for {@code wss://} (trust store, client certificates)
         * @return this
         */
        public Builder sslContext(SSLContext context) {
            this.sslContext = context;
            return this;
        }

        /**
         * Turns hostname verification off: any certificate the trust store accepts is taken for any host. Only for
         * tests and private networks.
         *
         * @param verify whether to verify (default true)
         * @return this
         */
        public Builder verifyHostname(boolean verify) {
            this.verifyHostname = verify;
            return this;
        }

        /**
         * The largest head accepted.
         *
         * @param bytes the largest response head accepted
         * @return this
         */
        public Builder maxHeadBytes(int bytes) {
            if (bytes < 256) {
                throw new IllegalArgumentException("maxHeadBytes too small");
            }
            this.maxHeadBytes = bytes;
            return this;
        }

        /**
         * Offers permessage-deflate (RFC 7692). If the server accepts, the connection compresses as agreed; if it
         * declines, the connection goes on uncompressed; if it answers with parameters that were not offered or are
         * invalid, the handshake fails. Default off.
         *
         * @param settings the compression settings, or {@code null} to offer none
         * @return this
         */
        public Builder perMessageDeflate(PerMessageDeflate settings) {
            this.perMessageDeflate = settings;
            return this;
        }

        /**
         * Registers {@code ws://} connections with this {@link EventLoop} once their handshake is done, as
         * {@link io.fastwebsockets.server.WebSocketServer} does for its connections: thousands of client connections
         * then cost what server connections cost (one registration each, no re-arming of the JDK's poller per read).
         * {@code wss://} connections run over the JDK's TLS streams and do not use it. Default: none. For connections
         * driven by a {@link ClientListener}, start the loop with {@link EventLoop#startOnPlatformThread}; for
         * connections read with {@code readFrame()} by threads of their own, with {@link EventLoop#start()}.
         *
         * @param loop a running loop, or {@code null} for none; the caller closes it, which closes its connections
         * @return this
         */
        public Builder eventLoop(EventLoop loop) {
            this.eventLoop = loop;
            return this;
        }

        /** {@return the options} */
        public ClientOptions build() {
            return new ClientOptions(this);
        }

        private static Duration positive(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            return d;
        }
    }
}
