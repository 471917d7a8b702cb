package io.fastwebsockets.deflate;

// Over 500 lines (issue 13's rule): the public settings, builder and Agreement of RFC 7692 with every parameter's
// javadoc (window bits 8-15 and memory level for both roles, issue 15); the negotiation itself already lives in
// io.fastwebsockets.internal.deflate. Most of the length is API documentation.

import io.fastwebsockets.internal.deflate.ExtensionHeader;
import io.fastwebsockets.internal.deflate.Zlib;

import io.fastwebsockets.Role;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.Deflater;

/**
 * The permessage-deflate extension (RFC 7692): its settings, and the negotiation of its parameters in both
 * handshakes. Immutable; {@link #defaults()} or {@link #builder()}. Off unless given to the server
 * ({@code WebSocketServer.Builder.perMessageDeflate}, {@code UpgradeOptions}), the client ({@code ClientOptions})
 * or the servlet integration.
 *
 * <p><b>Windows.</b> Every window size of RFC 7692 is negotiated in both roles, and a sender never refers back
 * further than the window agreed for it:
 * <ul>
 *   <li>a server accepts {@code server_max_window_bits} 8 to 15 in an offer and answers it with the window it will
 *       use (no larger than asked); when a client offers {@code client_max_window_bits}, a server that keeps the
 *       client's context asks for its {@link #maxPeerWindowBits()} in the answer;</li>
 *   <li>a client always offers {@code client_max_window_bits} (without a value, as browsers do), asks for
 *       {@code server_max_window_bits} when {@link Builder#maxPeerWindowBits(int)} was set below 15, and compresses
 *       within the smaller of the window the server answers and its own {@link #windowBits()};</li>
 *   <li>{@code server_no_context_takeover} and {@code client_no_context_takeover} are honoured both ways, and can be
 *       asked for by this side (see the builder).</li>
 * </ul>
 * An offer with an unknown parameter, a parameter given twice, or a bad value is declined (RFC 7692 §5), never
 * partly accepted; a client fails the handshake on such a response.
 *
 * <p><b>Compressors and memory.</b> Windows below 15 bits and memory levels other than 8 need zlib itself (the
 * JDK's {@code Deflater} is fixed at 15 and 8): on Java 22 and later, with native access enabled
 * ({@code --enable-native-access=io.fastwebsockets}, or {@code ALL-UNNAMED} on the class path), zlib is called
 * through the Foreign Function &amp; Memory API. Without it (Java 21, or native access not enabled) the JDK's
 * classes do the work: a window below 15 is then coded Huffman-only, which refers back to nothing (valid for every
 * window, a smaller gain). With context takeover each side keeps a compressor per connection, sized by
 * {@link #windowBits()} and {@link #memLevel()}: by default 11 and 4 with native zlib, about 22 KiB of zlib state
 * (the JDK's Deflater: about 260 KiB). Without context takeover compressors are borrowed from a small shared pool
 * for one message, so an idle connection holds none, and they use the whole window agreed and memory level 8.
 */
public final class PerMessageDeflate {
    /** The extension's registered name. */
    public static final String NAME = "permessage-deflate";

    /** The window size the JDK's Deflater uses, in bits (RFC 7692's largest). */
    public static final int JDK_WINDOW_BITS = 15;

    private final int level;
    private final int windowBits;
    private final int memLevel;
    private final int maxPeerWindowBits; // 0: the role's default
    private final int threshold;
    private final boolean serverNoContextTakeover;
    private final boolean clientNoContextTakeover;
    // The last agreement a server with these settings accepted: the offers of one server's clients are nearly always
    // alike, and every connection keeps its agreement for life, so equal agreements share this one object (32 bytes
    // per compressed connection otherwise). Immutable: any thread may reuse it, or replace it.
    private volatile Agreement lastAccepted;

    private PerMessageDeflate(Builder b) {
        this.level = b.level;
        this.threshold = b.threshold;
        this.serverNoContextTakeover = b.serverNoContextTakeover;
        this.clientNoContextTakeover = b.clientNoContextTakeover;
        boolean small = Zlib.nativeAvailable();
        this.windowBits = b.windowBits != 0 ? b.windowBits : small ? DEFAULT_NATIVE_WINDOW_BITS : JDK_WINDOW_BITS;
        this.memLevel = b.memLevel != 0 ? b.memLevel : small ? DEFAULT_NATIVE_MEM_LEVEL : 8;
        this.maxPeerWindowBits = b.maxPeerWindowBits;
    }

    private static final int DEFAULT_NATIVE_WINDOW_BITS = 11;
    private static final int DEFAULT_NATIVE_MEM_LEVEL = 4;

    /**
     * @return the defaults: level 6, threshold 1024 bytes, context takeover in both directions, window bits 11 and
     *     memory level 4 where native zlib is used (15 and 8 otherwise)
     */
    public static PerMessageDeflate defaults() {
        return builder().build();
    }

    /** @return a builder starting from the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the compression level, 0 (none) to 9 (best) */
    public int level() {
        return level;
    }

    /** @return the smallest unfragmented message that is compressed; smaller ones are sent as they are */
    public int threshold() {
        return threshold;
    }

    /**
     * @return the largest LZ77 window this side compresses with while it keeps its context between messages, in
     *     bits (8 to 15): {@code 1 << windowBits} bytes of history
     */
    public int windowBits() {
        return windowBits;
    }

    /** @return zlib's memory level for a compressor kept between messages (1 to 9; the JDK's Deflater has 8) */
    public int memLevel() {
        return memLevel;
    }

    /**
     * @return the largest window this side asks the peer to compress with, or 0 for the default: a server asks for
     *     its own {@link #windowBits()} (when the client lets it ask, and keeps its context), a client asks nothing
     */
    public int maxPeerWindowBits() {
        return maxPeerWindowBits;
    }

    /** @return whether this side asks that the server compress every message on its own (no context takeover) */
    public boolean serverNoContextTakeover() {
        return serverNoContextTakeover;
    }

    /** @return whether this side asks that the client compress every message on its own (no context takeover) */
    public boolean clientNoContextTakeover() {
        return clientNoContextTakeover;
    }

    // ------------------------------------------------------------------------------------------------ server

    /**
     * The server's choice: the first {@code permessage-deflate} offer in the client's header that can be honoured,
     * or {@code null} if there is none (the connection then goes on uncompressed). Other extensions are ignored.
     *
     * @param headerValues every {@code Sec-WebSocket-Extensions} value of the request, in order
     * @return the agreement to answer with, or {@code null}
     * @throws IllegalArgumentException if the header is not valid syntax (answer 400)
     */
    public Agreement negotiate(List<String> headerValues) {
        for (ExtensionHeader.Extension offer : ExtensionHeader.parse(headerValues)) {
            if (offer.name().equalsIgnoreCase(NAME) && declineReason(offer) == null) {
                return accept(offer);
            }
        }
        return null;
    }

    /**
     * Why a server with these settings declines an offer.
     *
     * @param offer one {@code permessage-deflate} element of a client's header
     * @return the reason, or {@code null} if the offer can be accepted
     */
    String declineReason(ExtensionHeader.Extension offer) {
        Set<String> seen = new HashSet<>();
        for (ExtensionHeader.Param p : offer.params()) {
            String name = p.name().toLowerCase(Locale.ROOT);
            if (!seen.add(name)) {
                return "parameter " + name + " given twice";
            }
            switch (name) {
                case "server_no_context_takeover", "client_no_context_takeover" -> {
                    if (p.value() != null) {
                        return name + " takes no value";
                    }
                }
                case "server_max_window_bits" -> {
                    int bits = windowBits(p.value());
                    if (bits < 0) {
                        return "server_max_window_bits must be 8 to 15, not " + p.value();
                    }
                }
                case "client_max_window_bits" -> {
                    if (p.value() != null && windowBits(p.value()) < 0) {
                        return "client_max_window_bits must be 8 to 15, not " + p.value();
                    }
                }
                default -> {
                    return "unknown parameter " + p.name();
                }
            }
        }
        return null;
    }

    private Agreement accept(ExtensionHeader.Extension offer) {
        boolean serverNoTakeover = serverNoContextTakeover;
        boolean clientNoTakeover = clientNoContextTakeover;
        int askedServerBits = 0; // server_max_window_bits in the offer
        int offeredClientBits = -1; // client_max_window_bits in the offer: -1 absent, 0 without a value
        for (ExtensionHeader.Param p : offer.params()) {
            switch (p.name().toLowerCase(Locale.ROOT)) {
                case "server_no_context_takeover" -> serverNoTakeover = true;
                // The client says it will not use context takeover; making it binding lets us drop its context.
                case "client_no_context_takeover" -> clientNoTakeover = true;
                case "server_max_window_bits" -> askedServerBits = windowBits(p.value());
                case "client_max_window_bits" -> offeredClientBits = p.value() == null ? 0 : windowBits(p.value());
                default -> { } // declineReason has ruled out anything else
            }
        }
        // Ours: what we compress with (a pooled compressor without context takeover may use the whole window), no
        // larger than the client asked for; stated only when asked (some clients fail on one they did not ask for).
        int serverBits = 0;
        if (askedServerBits != 0) {
            serverBits = Math.min(askedServerBits, serverNoTakeover ? JDK_WINDOW_BITS : windowBits);
        }
        // The client's: asked for when the client lets us (it offered client_max_window_bits) and we keep its
        // context (a small window then saves our inflater's memory); never more than the client offered.
        int clientBits = 0;
        if (offeredClientBits >= 0) {
            int limit = offeredClientBits == 0 ? JDK_WINDOW_BITS : offeredClientBits;
            int want = clientNoTakeover ? JDK_WINDOW_BITS : maxPeerWindowBits != 0 ? maxPeerWindowBits : windowBits;
            int bits = Math.min(limit, want);
            clientBits = bits < JDK_WINDOW_BITS ? bits : 0;
        }
        Agreement made = new Agreement(this, serverNoTakeover, clientNoTakeover, serverBits, clientBits);
        Agreement last = lastAccepted;
        if (made.equals(last)) {
            return last;
        }
        lastAccepted = made;
        return made;
    }

    // ------------------------------------------------------------------------------------------------ client

    /** @return the client's offer, the value of its {@code Sec-WebSocket-Extensions} header */
    public String offer() {
        StringBuilder b = new StringBuilder(NAME);
        if (serverNoContextTakeover) {
            b.append("; server_no_context_takeover");
        }
        if (clientNoContextTakeover) {
            b.append("; client_no_context_takeover");
        }
        if (maxPeerWindowBits != 0 && maxPeerWindowBits < JDK_WINDOW_BITS) {
            b.append("; server_max_window_bits=").append(maxPeerWindowBits);
        }
        // Always, and without a value, as browsers send it: it lets the server choose our window (RFC 7692
        // §7.1.2.2), which we keep to. A value (our own window) would let the server read with less memory, but
        // servers of an older draft refuse the handshake (400) on one; we keep to our own window all the same.
        b.append("; client_max_window_bits");
        return b.toString();
    }

    /**
     * Checks a server's answer to {@link #offer()}.
     *
     * @param headerValues every {@code Sec-WebSocket-Extensions} value of the response
     * @return the agreement, or {@code null} if the server declined (no extension in the response)
     * @throws IllegalArgumentException if the response is not valid, or enables what was not offered (the
     *     client must then fail the connection)
     */
    public Agreement acceptResponse(List<String> headerValues) {
        List<ExtensionHeader.Extension> exts = ExtensionHeader.parse(headerValues);
        if (exts.isEmpty()) {
            return null;
        }
        if (exts.size() > 1) {
            throw new IllegalArgumentException("server enabled " + exts.size() + " extensions, only "
                    + NAME + " was offered: " + exts);
        }
        ExtensionHeader.Extension e = exts.get(0);
        if (!e.name().equalsIgnoreCase(NAME)) {
            throw new IllegalArgumentException("server enabled " + e.name() + ", which was not offered");
        }
        boolean serverNoTakeover = false;
        boolean clientNoTakeover = clientNoContextTakeover;
        int serverBits = 0;
        int clientBits = 0;
        Set<String> seen = new HashSet<>();
        for (ExtensionHeader.Param p : e.params()) {
            String name = p.name().toLowerCase(Locale.ROOT);
            if (!seen.add(name)) {
                throw new IllegalArgumentException("parameter " + name + " given twice in the response");
            }
            switch (name) {
                case "server_no_context_takeover", "client_no_context_takeover" -> {
                    if (p.value() != null) {
                        throw new IllegalArgumentException(name + " takes no value");
                    }
                    if (name.startsWith("server")) {
                        serverNoTakeover = true;
                    } else {
                        clientNoTakeover = true;
                    }
                }
                case "server_max_window_bits" -> {
                    serverBits = windowBits(p.value());
                    if (serverBits < 0) {
                        throw new IllegalArgumentException("server_max_window_bits must be 8 to 15, not "
                                + p.value());
                    }
                    if (maxPeerWindowBits != 0 && maxPeerWindowBits < JDK_WINDOW_BITS
                            && serverBits > maxPeerWindowBits) {
                        throw new IllegalArgumentException("server_max_window_bits=" + serverBits
                                + " is larger than the " + maxPeerWindowBits + " offered");
                    }
                }
                case "client_max_window_bits" -> {
                    clientBits = windowBits(p.value()); // a response must give a value (RFC 7692 §7.1.2.2)
                    if (clientBits < 0) {
                        throw new IllegalArgumentException("client_max_window_bits must be 8 to 15 in a response,"
                                + " not " + p.value());
                    }
                }
                default -> throw new IllegalArgumentException("unknown parameter " + p.name() + " in the response");
            }
        }
        if (serverNoContextTakeover && !serverNoTakeover) {
            throw new IllegalArgumentException("server accepted the offer without server_no_context_takeover,"
                    + " which was asked for");
        }
        if (maxPeerWindowBits != 0 && maxPeerWindowBits < JDK_WINDOW_BITS && serverBits == 0) {
            throw new IllegalArgumentException("server accepted the offer without server_max_window_bits, which was"
                    + " asked for");
        }
        return new Agreement(this, serverNoTakeover, clientNoTakeover, serverBits, clientBits);
    }

    // 8 to 15 written as RFC 7692 §7.1.2 has it (no sign, no leading zero); -1 otherwise.
    private static int windowBits(String v) {
        if (v == null || v.isEmpty() || v.length() > 2 || v.charAt(0) == '0') {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n >= 8 && n <= 15 ? n : -1;
    }

    @Override
    public String toString() {
        return "PerMessageDeflate[level=" + level + ", threshold=" + threshold + ", windowBits=" + windowBits
                + ", memLevel=" + memLevel + (maxPeerWindowBits != 0 ? ", maxPeerWindowBits=" + maxPeerWindowBits : "")
                + (serverNoContextTakeover ? ", server_no_context_takeover" : "")
                + (clientNoContextTakeover ? ", client_no_context_takeover" : "") + "]";
    }

    /**
     * What both ends agreed on for one connection: the settings of this side plus the negotiated parameters.
     *
     * @param settings this side's settings (level, threshold)
     * @param serverNoContextTakeover whether the server compresses every message on its own
     * @param clientNoContextTakeover whether the client compresses every message on its own
     * @param serverMaxWindowBits the server's window bits as stated in the response, or 0 if not stated (15)
     * @param clientMaxWindowBits the client's window bits as stated in the response, or 0 if not stated (15)
     */
    public record Agreement(PerMessageDeflate settings, boolean serverNoContextTakeover,
            boolean clientNoContextTakeover, int serverMaxWindowBits, int clientMaxWindowBits) {

        /** @return the value of the server's {@code Sec-WebSocket-Extensions} response header */
        public String responseHeaderValue() {
            StringBuilder b = new StringBuilder(NAME);
            if (serverNoContextTakeover) {
                b.append("; server_no_context_takeover");
            }
            if (clientNoContextTakeover) {
                b.append("; client_no_context_takeover");
            }
            if (serverMaxWindowBits != 0) {
                b.append("; server_max_window_bits=").append(serverMaxWindowBits);
            }
            if (clientMaxWindowBits != 0) {
                b.append("; client_max_window_bits=").append(clientMaxWindowBits);
            }
            return b.toString();
        }

        /**
         * @param role this end's role
         * @return whether this end resets its compressor after every message
         */
        public boolean noContextTakeoverWhenSending(Role role) {
            return role == Role.SERVER ? serverNoContextTakeover : clientNoContextTakeover;
        }

        /**
         * @param role this end's role
         * @return whether the peer resets its compressor after every message (so ours can forget between them)
         */
        public boolean noContextTakeoverWhenReceiving(Role role) {
            return role == Role.SERVER ? clientNoContextTakeover : serverNoContextTakeover;
        }

        /**
         * The largest window this end may compress with: what the response states for it (15 if nothing), and,
         * while it keeps its context between messages, no more than its settings' {@link #windowBits()}.
         *
         * @param role this end's role
         * @return the window, in bits (8 to 15)
         */
        public int windowBitsWhenSending(Role role) {
            int stated = role == Role.SERVER ? serverMaxWindowBits : clientMaxWindowBits;
            int agreed = stated != 0 ? stated : JDK_WINDOW_BITS;
            return noContextTakeoverWhenSending(role) ? agreed : Math.min(agreed, settings.windowBits);
        }

        /**
         * @param role this end's role
         * @return the largest window the peer may compress with: what the response states for it, 15 if nothing
         */
        public int windowBitsWhenReceiving(Role role) {
            int stated = role == Role.SERVER ? clientMaxWindowBits : serverMaxWindowBits;
            return stated != 0 ? stated : JDK_WINDOW_BITS;
        }
    }

    /** Builds {@link PerMessageDeflate}. */
    public static final class Builder {
        private int level = 6;
        private int threshold = 1024;
        private boolean serverNoContextTakeover;
        private boolean clientNoContextTakeover;
        private int windowBits;
        private int memLevel;
        private int maxPeerWindowBits;

        private Builder() {
        }

        /**
         * The largest LZ77 window this side compresses with while it keeps its context between messages (a peer may
         * agree to less, which is then kept to). Together with {@link #memLevel(int)} it sets what a connection with
         * context takeover holds: zlib's {@code (1 << (windowBits + 2)) + (1 << (memLevel + 9))} bytes plus about
         * 6 KiB. Default 11 with native zlib, 15 without. Below 15 without native zlib: Huffman-only coding.
         *
         * @param bits 8 (256 bytes) to 15 (32 KiB)
         * @return this
         */
        public Builder windowBits(int bits) {
            if (bits < 8 || bits > JDK_WINDOW_BITS) {
                throw new IllegalArgumentException("window bits must be 8 to 15");
            }
            this.windowBits = bits;
            return this;
        }

        /**
         * zlib's memory level for a compressor kept between messages: its hash table and block buffer, {@code
         * 1 << (level + 9)} bytes in all. Lower saves memory at some cost in ratio and speed. Default 4 with native
         * zlib; the JDK's Deflater always has 8.
         *
         * @param level 1 to 9
         * @return this
         */
        public Builder memLevel(int level) {
            if (level < 1 || level > 9) {
                throw new IllegalArgumentException("memory level must be 1 to 9");
            }
            this.memLevel = level;
            return this;
        }

        /**
         * The largest window asked of the peer, which is what this side's decompressor holds with context takeover.
         * A server answers a client's {@code client_max_window_bits} with it (default: its {@link #windowBits(int)});
         * a client below 15 offers {@code server_max_window_bits} with it and fails the handshake if the server does
         * not agree (default: nothing asked, since some servers decline such offers).
         *
         * @param bits 8 to 15
         * @return this
         */
        public Builder maxPeerWindowBits(int bits) {
            if (bits < 8 || bits > JDK_WINDOW_BITS) {
                throw new IllegalArgumentException("window bits must be 8 to 15");
            }
            this.maxPeerWindowBits = bits;
            return this;
        }

        /**
         * @param level the compression level, 0 (stored, no compression) to 9 (best); default 6, zlib's default
         * @return this
         */
        public Builder level(int level) {
            if (level < Deflater.NO_COMPRESSION || level > Deflater.BEST_COMPRESSION) {
                throw new IllegalArgumentException("level must be 0 to 9");
            }
            this.level = level;
            return this;
        }

        /**
         * Messages sent in one frame that are smaller than this go out uncompressed (compressing a few bytes costs
         * more CPU than it saves, and can make them larger). A message sent in fragments is always compressed,
         * since its size is not known when its first frame goes out. Default 1024.
         *
         * @param bytes the threshold, 0 to compress every message
         * @return this
         */
        public Builder threshold(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("negative threshold");
            }
            this.threshold = bytes;
            return this;
        }

        /**
         * Have the server compress every message on its own. On a server this is stated in every response; on a
         * client it is asked for in the offer (and a response without it fails the handshake). Saves the server's
         * 260 KiB compressor per connection (and the client's 40 KiB decompressor) at some cost in ratio.
         *
         * @param on whether to ask for it
         * @return this
         */
        public Builder serverNoContextTakeover(boolean on) {
            this.serverNoContextTakeover = on;
            return this;
        }

        /**
         * Have the client compress every message on its own. A server requires it in every response; a client
         * announces it in its offer and keeps to it.
         *
         * @param on whether to ask for it
         * @return this
         */
        public Builder clientNoContextTakeover(boolean on) {
            this.clientNoContextTakeover = on;
            return this;
        }

        /** @return the settings */
        public PerMessageDeflate build() {
            return new PerMessageDeflate(this);
        }
    }
}
