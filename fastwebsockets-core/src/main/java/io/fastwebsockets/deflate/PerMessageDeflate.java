package io.fastwebsockets.deflate;

import io.fastwebsockets.internal.deflate.ExtensionHeader;

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
 * <p><b>Parameters.</b> The JDK's {@link Deflater} always compresses with a 32 KiB (15-bit) window, and its
 * {@link java.util.zip.Inflater} reads streams made with any window. Hence:
 * <ul>
 *   <li>a server declines an offer that asks it to use a smaller window ({@code server_max_window_bits} below 15)
 *       and goes on to the client's next offer; {@code server_max_window_bits=15} is accepted and echoed;</li>
 *   <li>{@code client_max_window_bits} in an offer (with or without a value) is accepted without limiting the
 *       client's window: we can read whatever it sends;</li>
 *   <li>a client never offers {@code client_max_window_bits} (it could not honour a smaller window), so a response
 *       that sets it fails the handshake; a response's {@code server_max_window_bits} (8 to 15) is accepted;</li>
 *   <li>{@code server_no_context_takeover} and {@code client_no_context_takeover} are honoured both ways, and can be
 *       asked for by this side (see the builder).</li>
 * </ul>
 * An offer with an unknown parameter, a parameter given twice, or a bad value is declined (RFC 7692 §5), never
 * partly accepted; a client fails the handshake on such a response.
 *
 * <p><b>Memory.</b> With context takeover (the default) each side keeps its compressor for the whole connection:
 * a JDK {@code Deflater} holds about 260 KiB of native memory (zlib with a 15-bit window and memory level 8) and an
 * {@code Inflater} about 40 KiB, allocated on the first compressed message in each direction. Without context
 * takeover they are needed only while a message is being compressed or inflated, and are borrowed from a small
 * shared pool for that time, so an idle connection holds none.
 */
public final class PerMessageDeflate {
    /** The extension's registered name. */
    public static final String NAME = "permessage-deflate";

    /** The window size the JDK's Deflater uses, in bits. */
    public static final int JDK_WINDOW_BITS = 15;

    private final int level;
    private final int threshold;
    private final boolean serverNoContextTakeover;
    private final boolean clientNoContextTakeover;

    private PerMessageDeflate(Builder b) {
        this.level = b.level;
        this.threshold = b.threshold;
        this.serverNoContextTakeover = b.serverNoContextTakeover;
        this.clientNoContextTakeover = b.clientNoContextTakeover;
    }

    /** @return the defaults: level 6, threshold 1024 bytes, context takeover in both directions */
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
                    if (bits < JDK_WINDOW_BITS) {
                        return "server_max_window_bits=" + bits + " asks for a window the JDK's Deflater cannot use";
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
        boolean echoServerBits = false;
        for (ExtensionHeader.Param p : offer.params()) {
            switch (p.name().toLowerCase(Locale.ROOT)) {
                case "server_no_context_takeover" -> serverNoTakeover = true;
                // The client says it will not use context takeover; making it binding lets us drop its context.
                case "client_no_context_takeover" -> clientNoTakeover = true;
                case "server_max_window_bits" -> echoServerBits = true;
                default -> { } // client_max_window_bits: no limit needed, the Inflater reads any window
            }
        }
        return new Agreement(this, serverNoTakeover, clientNoTakeover,
                echoServerBits ? JDK_WINDOW_BITS : 0, 0);
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
                }
                case "client_max_window_bits" -> throw new IllegalArgumentException(
                        "server set client_max_window_bits, which was not offered (the JDK's Deflater cannot use a"
                                + " smaller window)");
                default -> throw new IllegalArgumentException("unknown parameter " + p.name() + " in the response");
            }
        }
        if (serverNoContextTakeover && !serverNoTakeover) {
            throw new IllegalArgumentException("server accepted the offer without server_no_context_takeover,"
                    + " which was asked for");
        }
        return new Agreement(this, serverNoTakeover, clientNoTakeover, serverBits, 0);
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
        return "PerMessageDeflate[level=" + level + ", threshold=" + threshold
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
    }

    /** Builds {@link PerMessageDeflate}. */
    public static final class Builder {
        private int level = 6;
        private int threshold = 1024;
        private boolean serverNoContextTakeover;
        private boolean clientNoContextTakeover;

        private Builder() {
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
