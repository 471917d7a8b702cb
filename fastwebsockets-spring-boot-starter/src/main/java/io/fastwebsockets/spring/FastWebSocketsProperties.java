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
    }
}
