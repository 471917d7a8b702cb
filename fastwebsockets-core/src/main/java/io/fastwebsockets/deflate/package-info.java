/**
 * The permessage-deflate extension (RFC 7692): {@link io.fastwebsockets.deflate.PerMessageDeflate} is its settings
 * (level, threshold, context takeover) and the negotiation of its parameters; an accepted
 * {@link io.fastwebsockets.deflate.PerMessageDeflate.Agreement} is what a connection compresses with. Hand the
 * settings to the server ({@code WebSocketServer.Builder}, {@code UpgradeOptions}), the client ({@code ClientOptions})
 * or the servlet integration; the compressors themselves are internal.
 */
package io.fastwebsockets.deflate;
