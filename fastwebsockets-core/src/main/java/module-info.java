/**
 * fastwebsockets: a fast, strict RFC 6455 WebSocket library.
 *
 * <p>{@code io.fastwebsockets} holds the connection API ({@link io.fastwebsockets.WebSocket},
 * {@link io.fastwebsockets.FragmentCollector}, {@link io.fastwebsockets.Frame}); {@code io.fastwebsockets.codec}
 * holds the sans-I/O frame codec, masking and UTF-8 validation, usable without any socket;
 * {@code io.fastwebsockets.deflate} the permessage-deflate extension (RFC 7692).
 */
module io.fastwebsockets {
    exports io.fastwebsockets;
    exports io.fastwebsockets.deflate;
    exports io.fastwebsockets.upgrade;
    exports io.fastwebsockets.handshake;
    exports io.fastwebsockets.server;
}
