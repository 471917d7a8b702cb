/**
 * The server side of the opening handshake (RFC 6455 §4.2).
 *
 * <p>{@link io.fastwebsockets.upgrade.ServerHandshake#upgrade(java.nio.channels.SocketChannel, UpgradeOptions)}
 * reads a request from an accepted connection, validates it, answers {@code 101 Switching Protocols} and returns the
 * server-role {@link io.fastwebsockets.WebSocket} with the {@link io.fastwebsockets.upgrade.HttpRequest}; a refused
 * request has been answered (400, 403, 408, 426, 431) and closed when {@link io.fastwebsockets.upgrade.UpgradeException}
 * reaches the caller. {@link io.fastwebsockets.upgrade.UpgradeOptions} hold the limits, the subprotocol choice, the
 * Origin check and permessage-deflate. For an HTTP stack that parsed the request itself,
 * {@link io.fastwebsockets.upgrade.ServerHandshake#isUpgradeRequest}, {@link io.fastwebsockets.upgrade.ServerHandshake#validate}
 * and {@link io.fastwebsockets.upgrade.ServerHandshake.Acceptance} give the decision and the response headers.
 */
package io.fastwebsockets.upgrade;
