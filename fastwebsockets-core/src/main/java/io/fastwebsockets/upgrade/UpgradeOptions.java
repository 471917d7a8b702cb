package io.fastwebsockets.upgrade;

import io.fastwebsockets.deflate.PerMessageDeflate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * How a server accepts opening handshakes: limits, subprotocol choice and Origin check. Immutable; build with
 * {@link #builder()}.
 */
public final class UpgradeOptions {
    /** Default bound on the request head: 8 KiB. */
    public static final int DEFAULT_MAX_HEAD_BYTES = 8 * 1024;

    private final int maxHeadBytes;
    private final Duration handshakeTimeout;
    private final Function<List<String>, String> subprotocolSelector;
    private final Predicate<String> originCheck;
    private final PerMessageDeflate perMessageDeflate;

    private UpgradeOptions(Builder b) {
        this.perMessageDeflate = b.perMessageDeflate;
        this.maxHeadBytes = b.maxHeadBytes;
        this.handshakeTimeout = b.handshakeTimeout;
        this.subprotocolSelector = b.subprotocolSelector;
        this.originCheck = b.originCheck;
    }

    /** {@return the defaults: 8 KiB heads, a 10 s handshake timeout, no subprotocol, any Origin, no compression} */
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

    /** {@return the Origin check} */
    public Predicate<String> originCheck() {
        return originCheck;
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
        Builder b = new Builder();
        b.maxHeadBytes = maxHeadBytes;
        b.handshakeTimeout = handshakeTimeout;
        b.subprotocolSelector = subprotocolSelector;
        b.originCheck = originCheck;
        b.perMessageDeflate = settings;
        return b.build();
    }

    /** Builds {@link UpgradeOptions}. */
    public static final class Builder {
        private int maxHeadBytes = DEFAULT_MAX_HEAD_BYTES;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Function<List<String>, String> subprotocolSelector = offered -> null;
        private Predicate<String> originCheck = origin -> true;
        private PerMessageDeflate perMessageDeflate;

        private Builder() {
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
         * Checks the {@code Origin} header (browsers always send it). A refused origin gets 403.
         *
         * @param check receives the Origin value, or {@code null} if absent; returns whether to accept
         * @return this
         */
        public Builder originCheck(Predicate<String> check) {
            this.originCheck = Objects.requireNonNull(check);
            return this;
        }

        /** {@return the options} */
        public UpgradeOptions build() {
            return new UpgradeOptions(this);
        }
    }
}
