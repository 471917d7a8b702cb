package io.fastwebsockets.upgrade;

import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.internal.http.Origins;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * How a server accepts opening handshakes: limits, subprotocol choice and Origin check. Immutable; build with
 * {@link #builder()}.
 *
 * <p><b>Origin.</b> Browsers send {@code Origin} with every WebSocket handshake and let any page open a socket to
 * any server, cookies included; the Origin check is what stops a page on another site from using a logged-in
 * user's session (cross-site WebSocket hijacking). By default a request is accepted when it has no {@code Origin}
 * (not a browser) or when its {@code Origin} is the request's own (same scheme, host and port as the connection
 * and its {@code Host} header); any other gets 403, and so does a request with more than one {@code Origin} header.
 * {@link Builder#allowedOrigins} adds origins to accept (or {@code "*"} for all); {@link Builder#originCheck}
 * replaces the policy by a predicate of your own. Behind a proxy that terminates TLS or rewrites {@code Host}, the
 * request's own origin is not the one the browser saw: list the public origin in {@code allowedOrigins}.
 *
 * <p><b>Limits on the upgraded connection.</b> A server cannot refuse a message before it has arrived, so every
 * message it accepts is memory a peer chooses. The options carry the limits this library's upgrades (the embedded
 * server, {@link ServerHandshake#upgrade}, the servlet upgrade) put on each connection ({@link #applyLimits}):
 * messages of at most {@link #DEFAULT_MAX_MESSAGE_SIZE 1 MiB} (1009 beyond), compressed messages of at most the same
 * once inflated, at most {@link #DEFAULT_MAX_FRAMES_PER_MESSAGE 1,024} frames a message (1008 beyond). A
 * {@link WebSocket} made by hand keeps its own defaults (64 MiB, no frame limit).
 */
public final class UpgradeOptions {
    /** Default bound on the request head: 8 KiB. */
    public static final int DEFAULT_MAX_HEAD_BYTES = 8 * 1024;

    /**
     * Default bound on a received message on connections this library upgrades: 1 MiB. Chat, events and RPC messages
     * are far smaller; Netty and Jetty stop at 64 KiB. Raise it for file transfers, per endpoint.
     */
    public static final long DEFAULT_MAX_MESSAGE_SIZE = 1 << 20;

    /**
     * Default bound on the data frames of one message: 1,024, a 1 MiB message in fragments of 1 KiB. Browsers send
     * a message in one frame; without a bound, empty continuations keep a message open forever.
     */
    public static final int DEFAULT_MAX_FRAMES_PER_MESSAGE = 1024;

    private final int maxHeadBytes;
    private final Duration handshakeTimeout;
    private final Function<List<String>, String> subprotocolSelector;
    private final Predicate<String> originCheck;
    private final Set<String> allowedOrigins;
    private final PerMessageDeflate perMessageDeflate;
    private final long maxMessageSize;
    private final long maxDecompressedMessageSize;
    private final int maxFramesPerMessage;

    private UpgradeOptions(Builder b) {
        this.maxMessageSize = b.maxMessageSize;
        this.maxDecompressedMessageSize = b.maxDecompressedMessageSize;
        this.maxFramesPerMessage = b.maxFramesPerMessage;
        this.perMessageDeflate = b.perMessageDeflate;
        this.maxHeadBytes = b.maxHeadBytes;
        this.handshakeTimeout = b.handshakeTimeout;
        this.subprotocolSelector = b.subprotocolSelector;
        this.originCheck = b.originCheck;
        this.allowedOrigins = Set.copyOf(b.allowedOrigins);
    }

    /**
     * {@return the defaults: 8 KiB heads, a 10 s handshake timeout, no subprotocol, no Origin or the request's own,
     * no compression, 1 MiB messages (inflated too), 1,024 frames a message}
     */
    public static UpgradeOptions defaults() {
        return builder().build();
    }

    /** {@return a builder starting from the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the largest request head accepted, in bytes (431 beyond it)} */
    public int maxHeadBytes() {
        return maxHeadBytes;
    }

    /** {@return how long the whole request may take to arrive (408 after it)} */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** {@return the subprotocol selector} */
    public Function<List<String>, String> subprotocolSelector() {
        return subprotocolSelector;
    }

    /** {@return the Origin check set with {@link Builder#originCheck}, or {@code null} for the default policy} */
    public Predicate<String> originCheck() {
        return originCheck;
    }

    /** {@return the origins accepted besides the request's own (normalised), {@code "*"} for all; empty by default} */
    public Set<String> allowedOrigins() {
        return allowedOrigins;
    }

    /**
     * The Origin decision for one request (more than one {@code Origin} header is refused before this is asked).
     *
     * @param origin the {@code Origin} header's value, or {@code null} if absent
     * @param host the {@code Host} header's value
     * @param secure whether the request arrived over TLS ({@code https} is then its own scheme)
     * @return whether to accept it
     */
    public boolean acceptsOrigin(String origin, String host, boolean secure) {
        if (originCheck != null) {
            return originCheck.test(origin);
        }
        if (origin == null || allowedOrigins.contains("*")) {
            return true;
        }
        String normal = Origins.normalize(origin);
        return normal != null && (allowedOrigins.contains(normal) || Origins.isSameOrigin(normal, host, secure));
    }

    /** {@return the largest message a connection accepts, in bytes, counting its fragments (1009 beyond)} */
    public long maxMessageSize() {
        return maxMessageSize;
    }

    /** {@return the largest compressed message a connection accepts once inflated (the message size unless set)} */
    public long maxDecompressedMessageSize() {
        return maxDecompressedMessageSize < 0 ? maxMessageSize : maxDecompressedMessageSize;
    }

    /** {@return the most data frames a message may take (1008 beyond)} */
    public int maxFramesPerMessage() {
        return maxFramesPerMessage;
    }

    /**
     * Puts these options' limits on a connection upgraded with them: the message size, the inflated size, the frames
     * per message. This library's upgrades call it; call it yourself after an upgrade of your own.
     *
     * @param ws a connection, before its first read
     */
    public void applyLimits(WebSocket ws) {
        ws.setMaxMessageSize(maxMessageSize);
        ws.setMaxDecompressedMessageSize(maxDecompressedMessageSize); // -1 (unset) keeps following the message size
        ws.setMaxFramesPerMessage(maxFramesPerMessage);
    }

    /** {@return a builder starting from these options} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxHeadBytes = maxHeadBytes;
        b.handshakeTimeout = handshakeTimeout;
        b.subprotocolSelector = subprotocolSelector;
        b.originCheck = originCheck;
        b.allowedOrigins.addAll(allowedOrigins);
        b.perMessageDeflate = perMessageDeflate;
        b.maxMessageSize = maxMessageSize;
        b.maxDecompressedMessageSize = maxDecompressedMessageSize;
        b.maxFramesPerMessage = maxFramesPerMessage;
        return b;
    }

    /** {@return the permessage-deflate settings, or {@code null} if compression is off} */
    public PerMessageDeflate perMessageDeflate() {
        return perMessageDeflate;
    }

    /**
     * These options with other permessage-deflate settings.
     *
     * @param settings permessage-deflate settings, or {@code null} for none
     * @return a copy of these options with those settings
     */
    public UpgradeOptions withPerMessageDeflate(PerMessageDeflate settings) {
        return toBuilder().perMessageDeflate(settings).build();
    }

    /** Builds {@link UpgradeOptions}. */
    public static final class Builder {
        private int maxHeadBytes = DEFAULT_MAX_HEAD_BYTES;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Function<List<String>, String> subprotocolSelector = offered -> null;
        private Predicate<String> originCheck;
        private final Set<String> allowedOrigins = new LinkedHashSet<>();
        private PerMessageDeflate perMessageDeflate;
        private long maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private long maxDecompressedMessageSize = -1;
        private int maxFramesPerMessage = DEFAULT_MAX_FRAMES_PER_MESSAGE;

        private Builder() {
        }

        /**
         * The largest message a connection accepts, counting all its fragments; a larger one fails the connection with
         * 1009 ("message too big") as soon as a frame header announces it, before its payload is buffered. Default
         * {@link #DEFAULT_MAX_MESSAGE_SIZE 1 MiB}.
         *
         * @param bytes the limit, 0 to 2 GiB - 64
         * @return this
         */
        public Builder maxMessageSize(long bytes) {
            if (bytes < 0 || bytes > Integer.MAX_VALUE - 64) {
                throw new IllegalArgumentException("maxMessageSize must be 0 .. 2 GiB - 64");
            }
            this.maxMessageSize = bytes;
            return this;
        }

        /**
         * The largest compressed message (permessage-deflate) a connection accepts once inflated; inflating past it
         * fails the connection with 1009. Default: {@link #maxMessageSize}, whatever it is set to.
         *
         * @param bytes the limit, or -1 to follow the message size
         * @return this
         */
        public Builder maxDecompressedMessageSize(long bytes) {
            if (bytes < -1) {
                throw new IllegalArgumentException("maxDecompressedMessageSize must be -1 or more");
            }
            this.maxDecompressedMessageSize = bytes;
            return this;
        }

        /**
         * The most data frames one message may take, its first included; one more (an empty continuation too) fails
         * the connection with 1008. Default {@link #DEFAULT_MAX_FRAMES_PER_MESSAGE 1,024}.
         *
         * @param frames the limit, at least 1 ({@link Integer#MAX_VALUE} for none)
         * @return this
         */
        public Builder maxFramesPerMessage(int frames) {
            if (frames < 1) {
                throw new IllegalArgumentException("maxFramesPerMessage must be at least 1");
            }
            this.maxFramesPerMessage = frames;
            return this;
        }

        /**
         * Offers permessage-deflate (RFC 7692) to clients that ask for it: the first of a client's offers that these
         * settings can honour is accepted (see {@link PerMessageDeflate} for which are declined). Default off.
         *
         * @param settings the compression settings, or {@code null} for none
         * @return this
         */
        public Builder perMessageDeflate(PerMessageDeflate settings) {
            this.perMessageDeflate = settings;
            return this;
        }

        /**
         * The largest head accepted.
         *
         * @param bytes the largest request head accepted (request line and headers), 256 to 1 MiB
         * @return this
         */
        public Builder maxHeadBytes(int bytes) {
            if (bytes < 256 || bytes > (1 << 20)) {
                throw new IllegalArgumentException("maxHeadBytes must be 256 bytes .. 1 MiB");
            }
            this.maxHeadBytes = bytes;
            return this;
        }

        /**
         * The time allowed for the handshake.
         *
         * @param timeout how long the whole request head may take to arrive; a slow client gets 408 and is closed
         * @return this
         */
        public Builder handshakeTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("handshake timeout must be positive");
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        /**
         * Chooses the subprotocol. The selector receives the client's {@code Sec-WebSocket-Protocol} list in its
         * order of preference and returns one of its elements, or {@code null} to choose none (the handshake then
         * succeeds without a subprotocol; the client decides whether to go on).
         *
         * @param selector the choice
         * @return this
         */
        public Builder subprotocolSelector(Function<List<String>, String> selector) {
            this.subprotocolSelector = Objects.requireNonNull(selector);
            return this;
        }

        /**
         * Picks the first subprotocol the client offers that is in {@code supported}.
         *
         * @param supported the subprotocols this server speaks
         * @return this
         */
        public Builder subprotocols(String... supported) {
            List<String> ours = List.of(supported);
            return subprotocolSelector(offered -> offered.stream().filter(ours::contains).findFirst().orElse(null));
        }

        /**
         * Replaces the default Origin policy (see the class comment) by a predicate: it alone decides, and the
         * {@link #allowedOrigins} are then not consulted. A refused origin gets 403; a request with more than one
         * {@code Origin} header is refused before the predicate is asked.
         *
         * @param check receives the Origin value, or {@code null} if absent; returns whether to accept
         * @return this
         */
        public Builder originCheck(Predicate<String> check) {
            this.originCheck = Objects.requireNonNull(check);
            return this;
        }

        /**
         * Accepts these origins besides the request's own (and requests without {@code Origin}); clears a predicate
         * set with {@link #originCheck}. Each is an exact origin, {@code scheme://host[:port]} with no path (compared
         * case-insensitively, a default port matching its absence), or {@code "*"} to accept every origin, which
         * leaves cross-site WebSocket hijacking to the application (use it only for public, cookie-less endpoints
         * and demos).
         *
         * @param origins the origins, e.g. {@code "https://app.example"}; none restores the default
         * @return this
         * @throws IllegalArgumentException if one is not an origin
         */
        public Builder allowedOrigins(String... origins) {
            Set<String> normal = new LinkedHashSet<>();
            for (String o : origins) {
                Objects.requireNonNull(o, "origin");
                String n = o.equals("*") ? o : Origins.normalize(o);
                if (n == null) {
                    throw new IllegalArgumentException("not an origin (scheme://host[:port], no path): " + o);
                }
                normal.add(n);
            }
            this.allowedOrigins.clear();
            this.allowedOrigins.addAll(normal);
            this.originCheck = null;
            return this;
        }

        /** {@return the options} */
        public UpgradeOptions build() {
            return new UpgradeOptions(this);
        }
    }
}
