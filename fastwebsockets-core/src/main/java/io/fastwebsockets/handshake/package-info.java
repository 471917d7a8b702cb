/**
 * The client side of the opening handshake (RFC 6455 §4.1).
 *
 * <p>{@link io.fastwebsockets.handshake.Handshake#connect(java.net.URI, ClientOptions)} connects to a {@code ws://}
 * or {@code wss://} URI, sends the upgrade request, checks the {@code 101} response and returns the client-role
 * {@link io.fastwebsockets.WebSocket} with the response headers and the chosen subprotocol.
 * {@link io.fastwebsockets.handshake.ClientOptions} hold the extra headers, subprotocols, timeouts, TLS settings and
 * permessage-deflate; a refused or malformed answer throws {@link io.fastwebsockets.handshake.HandshakeException}
 * with its status and headers.
 */
package io.fastwebsockets.handshake;
