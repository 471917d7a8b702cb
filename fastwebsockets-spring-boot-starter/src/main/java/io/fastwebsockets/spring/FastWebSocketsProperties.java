package io.fastwebsockets.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code fastwebsockets.*} properties: how every endpoint accepts upgrades and configures its connections. An
 * {@link UpgradeOptionsCustomizer} bean can change the resulting options further; a {@link WebSocketRoute} can
 * have subprotocols of its own.
 */
@ConfigurationProperties("fastwebsockets")
public class FastWebSocketsProperties {
    /** Whether to serve the WebSocket endpoints (@WebSocketEndpoint handler beans and WebSocketRoute beans). */
    private boolean enabled = true;

    /**
     * Largest message accepted, counted whole across fragments (after decompression); a larger one fails the
     * connection with close code 1009. Unset: the library's default.
     */
    private DataSize maxMessageSize;

    /**
     * Largest compressed (permessage-deflate) message accepted once inflated; inflating past it fails the connection
     * with close code 1009. Unset: the same as max-message-size.
     */
    private DataSize maxDecompressedMessageSize;

    /**
     * Most data frames one message may take, its first included; one more (an empty continuation too) fails the
     * connection with close code 1008. Unset: the library's default (1024).
     */
    private Integer maxFramesPerMessage;

    /**
     * Subprotocols accepted (Sec-WebSocket-Protocol): the first of a client's offers that is listed here is chosen;
     * none is chosen when none is listed.
     */
    private List<String> subprotocols = new ArrayList<>();

    /**
     * Origins allowed to open a connection besides the request's own, exactly as browsers send them (for example
     * https://example.com), or '*' for any. A refused Origin gets 403; a request without Origin (not from a browser)
     * is accepted. Unset: the library's default, the request's own origin only.
     */
    private List<String> allowedOrigins = new ArrayList<>();

    /**
     * How long a closing handshake may wait for the peer's Close before the connection is dropped; also how long
     * shutdown waits for the handlers after closing every connection with 1001.
     */
    private Duration closeTimeout = Duration.ofSeconds(5);

    /**
     * How long one write may stay blocked on a peer that does not read before the connection is closed; 0 for no
     * limit. Unset: the servlet upgrade's default (30 s).
     */
    private Duration writeTimeout;

    /**
     * Keepalive: after this long without a frame from the peer, a Ping is sent; 0 turns keepalive off. Unset: the
     * servlet upgrade's default (30 s).
     */
    private Duration pingInterval;

    /**
     * Keepalive: a connection still silent this long after a Ping is closed (1001). Unset: the servlet upgrade's
     * default (30 s).
     */
    private Duration pongTimeout;

    /** permessage-deflate (RFC 7692) compression. */
    private final Deflate permessageDeflate = new Deflate();

    /** The Redis backplane of WebSocketTopics (with fastwebsockets-redis on the class path). */
    private final Redis redis = new Redis();

    /** {@return whether the endpoints are served} */
    public boolean isEnabled() {
        return enabled;
    }

    /** @param enabled whether the endpoints are served */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** {@return the largest message accepted, or {@code null} for the library's default} */
    public DataSize getMaxMessageSize() {
        return maxMessageSize;
    }

    /** @param maxMessageSize the largest message accepted, or {@code null} for the library's default */
    public void setMaxMessageSize(DataSize maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    /** {@return the largest message accepted once inflated, or {@code null} to follow the message size} */
    public DataSize getMaxDecompressedMessageSize() {
        return maxDecompressedMessageSize;
    }

    /** @param maxDecompressedMessageSize the largest message accepted once inflated, or {@code null} */
    public void setMaxDecompressedMessageSize(DataSize maxDecompressedMessageSize) {
        this.maxDecompressedMessageSize = maxDecompressedMessageSize;
    }

    /** {@return the most data frames a message may take, or {@code null} for the library's default} */
    public Integer getMaxFramesPerMessage() {
        return maxFramesPerMessage;
    }

    /** @param maxFramesPerMessage the most data frames a message may take, or {@code null} for the default */
    public void setMaxFramesPerMessage(Integer maxFramesPerMessage) {
        this.maxFramesPerMessage = maxFramesPerMessage;
    }

    /** {@return the subprotocols accepted} */
    public List<String> getSubprotocols() {
        return subprotocols;
    }

    /** @param subprotocols the subprotocols accepted */
    public void setSubprotocols(List<String> subprotocols) {
        this.subprotocols = subprotocols;
    }

    /** {@return the origins allowed; empty for the library's default check} */
    public List<String> getAllowedOrigins() {
        return allowedOrigins;
    }

    /** @param allowedOrigins the origins allowed, or {@code *} */
    public void setAllowedOrigins(List<String> allowedOrigins) {
        this.allowedOrigins = allowedOrigins;
    }

    /** {@return the bound on a closing handshake} */
    public Duration getCloseTimeout() {
        return closeTimeout;
    }

    /** @param closeTimeout the bound on a closing handshake */
    public void setCloseTimeout(Duration closeTimeout) {
        this.closeTimeout = closeTimeout;
    }

    /** {@return the bound on one blocked write (0: none), or {@code null} for the default} */
    public Duration getWriteTimeout() {
        return writeTimeout;
    }

    /** @param writeTimeout the bound on one blocked write (0: none), or {@code null} for the default */
    public void setWriteTimeout(Duration writeTimeout) {
        this.writeTimeout = writeTimeout;
    }

    /** {@return the keepalive Ping interval (0: off), or {@code null} for the default} */
    public Duration getPingInterval() {
        return pingInterval;
    }

    /** @param pingInterval the keepalive Ping interval (0: off), or {@code null} for the default */
    public void setPingInterval(Duration pingInterval) {
        this.pingInterval = pingInterval;
    }

    /** {@return how long a connection may stay silent after a Ping, or {@code null} for the default} */
    public Duration getPongTimeout() {
        return pongTimeout;
    }

    /** @param pongTimeout how long a connection may stay silent after a Ping, or {@code null} for the default */
    public void setPongTimeout(Duration pongTimeout) {
        this.pongTimeout = pongTimeout;
    }

    /** {@return the permessage-deflate settings} */
    public Deflate getPermessageDeflate() {
        return permessageDeflate;
    }

    /** {@return the Redis backplane's settings} */
    public Redis getRedis() {
        return redis;
    }

    /**
     * The {@code fastwebsockets.redis.*} properties: with {@code fastwebsockets-redis} on the class path and
     * {@code url} set, the topics of {@link WebSocketTopics} span every node sharing that Redis.
     */
    public static class Redis {
        /**
         * Redis to join, redis://host:port or rediss://host:port (TLS); unset: no backplane. A password in the URL
         * works, but the password property keeps it out of the URL.
         */
        private String url;

        /** ACL user name (Redis 6+), with the password. */
        private String user;

        /** Password (Redis AUTH), instead of one in the URL. */
        private String password;

        /**
         * Name of a Spring Boot SSL bundle (spring.ssl.bundle.*) whose trust material (and key, for client
         * authentication) the rediss:// connection uses. Unset: the JDK's default TLS context.
         */
        private String sslBundle;

        /** Prefix of the Redis channels, so that several applications can share one Redis. */
        private String channelPrefix = "fastws:";

        /** How many messages may wait to be published to Redis; beyond it a publish to other nodes is lost. */
        private int maxQueued = 65_536;

        /** Bound on connecting to Redis (and on each command of the publishing connection). */
        private Duration connectTimeout = Duration.ofSeconds(2);

        /** First wait before reconnecting after a failure; it doubles up to reconnect-backoff-max. */
        private Duration reconnectBackoffMin = Duration.ofMillis(100);

        /** Longest wait before reconnecting after a failure. */
        private Duration reconnectBackoffMax = Duration.ofSeconds(2);

        /** {@return the Redis URL, or {@code null} for no backplane} */
        public String getUrl() {
            return url;
        }

        /** @param url the Redis URL (redis:// or rediss://) */
        public void setUrl(String url) {
            this.url = url;
        }

        /** {@return the ACL user, or {@code null}} */
        public String getUser() {
            return user;
        }

        /** @param user the ACL user */
        public void setUser(String user) {
            this.user = user;
        }

        /** {@return the password, or {@code null}} */
        public String getPassword() {
            return password;
        }

        /** @param password the password */
        public void setPassword(String password) {
            this.password = password;
        }

        /** {@return the SSL bundle's name, or {@code null} for the JDK's default TLS context} */
        public String getSslBundle() {
            return sslBundle;
        }

        /** @param sslBundle the SSL bundle's name */
        public void setSslBundle(String sslBundle) {
            this.sslBundle = sslBundle;
        }

        /** {@return the channel prefix} */
        public String getChannelPrefix() {
            return channelPrefix;
        }

        /** @param channelPrefix the channel prefix */
        public void setChannelPrefix(String channelPrefix) {
            this.channelPrefix = channelPrefix;
        }

        /** {@return the bound on messages waiting for Redis} */
        public int getMaxQueued() {
            return maxQueued;
        }

        /** @param maxQueued the bound on messages waiting for Redis */
        public void setMaxQueued(int maxQueued) {
            this.maxQueued = maxQueued;
        }

        /** {@return the bound on connecting to Redis} */
        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        /** @param connectTimeout the bound on connecting to Redis */
        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        /** {@return the first wait before reconnecting} */
        public Duration getReconnectBackoffMin() {
            return reconnectBackoffMin;
        }

        /** @param reconnectBackoffMin the first wait before reconnecting */
        public void setReconnectBackoffMin(Duration reconnectBackoffMin) {
            this.reconnectBackoffMin = reconnectBackoffMin;
        }

        /** {@return the longest wait before reconnecting} */
        public Duration getReconnectBackoffMax() {
            return reconnectBackoffMax;
        }

        /** @param reconnectBackoffMax the longest wait before reconnecting */
        public void setReconnectBackoffMax(Duration reconnectBackoffMax) {
            this.reconnectBackoffMax = reconnectBackoffMax;
        }
    }

    /** The {@code fastwebsockets.permessage-deflate.*} properties. */
    public static class Deflate {
        /** Whether to accept permessage-deflate offers (RFC 7692); off by default. */
        private boolean enabled;

        /** zlib compression level, 0 (stored) to 9 (best). */
        private int compressionLevel = 6;

        /** Messages smaller than this, sent in one frame, go out uncompressed. */
        private DataSize threshold = DataSize.ofBytes(1024);

        /**
         * Compress every sent message on its own (server_no_context_takeover): saves the compressor's memory per
         * connection at some cost in ratio.
         */
        private boolean serverNoContextTakeover;

        /** Require the client to compress every message on its own (client_no_context_takeover). */
        private boolean clientNoContextTakeover;

        /**
         * Largest LZ77 window (8 to 15) the server compresses with while it keeps its context between messages; with
         * mem-level it sets the compressor's memory per connection. Unset: the library's default.
         */
        private Integer windowBits;

        /** zlib memory level (1 to 9) of a compressor kept between messages. Unset: the library's default. */
        private Integer memLevel;

        /**
         * Largest window (8 to 15) asked of the client, which is what the server's decompressor holds with context
         * takeover. Unset: the server's window-bits.
         */
        private Integer maxPeerWindowBits;

        /** {@return whether permessage-deflate offers are accepted} */
        public boolean isEnabled() {
            return enabled;
        }

        /** @param enabled whether permessage-deflate offers are accepted */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /** {@return the zlib level} */
        public int getCompressionLevel() {
            return compressionLevel;
        }

        /** @param compressionLevel the zlib level, 0 to 9 */
        public void setCompressionLevel(int compressionLevel) {
            this.compressionLevel = compressionLevel;
        }

        /** {@return the size below which single-frame messages are sent uncompressed} */
        public DataSize getThreshold() {
            return threshold;
        }

        /** @param threshold the size below which single-frame messages are sent uncompressed */
        public void setThreshold(DataSize threshold) {
            this.threshold = threshold;
        }

        /** {@return whether the server compresses every message on its own} */
        public boolean isServerNoContextTakeover() {
            return serverNoContextTakeover;
        }

        /** @param serverNoContextTakeover whether the server compresses every message on its own */
        public void setServerNoContextTakeover(boolean serverNoContextTakeover) {
            this.serverNoContextTakeover = serverNoContextTakeover;
        }

        /** {@return whether the client must compress every message on its own} */
        public boolean isClientNoContextTakeover() {
            return clientNoContextTakeover;
        }

        /** @param clientNoContextTakeover whether the client must compress every message on its own */
        public void setClientNoContextTakeover(boolean clientNoContextTakeover) {
            this.clientNoContextTakeover = clientNoContextTakeover;
        }

        /** {@return the server's compression window in bits, or {@code null} for the default} */
        public Integer getWindowBits() {
            return windowBits;
        }

        /** @param windowBits the server's compression window in bits (8 to 15), or {@code null} */
        public void setWindowBits(Integer windowBits) {
            this.windowBits = windowBits;
        }

        /** {@return the zlib memory level, or {@code null} for the default} */
        public Integer getMemLevel() {
            return memLevel;
        }

        /** @param memLevel the zlib memory level (1 to 9), or {@code null} */
        public void setMemLevel(Integer memLevel) {
            this.memLevel = memLevel;
        }

        /** {@return the largest window asked of the client in bits, or {@code null} for the default} */
        public Integer getMaxPeerWindowBits() {
            return maxPeerWindowBits;
        }

        /** @param maxPeerWindowBits the largest window asked of the client in bits (8 to 15), or {@code null} */
        public void setMaxPeerWindowBits(Integer maxPeerWindowBits) {
            this.maxPeerWindowBits = maxPeerWindowBits;
        }
    }
}
