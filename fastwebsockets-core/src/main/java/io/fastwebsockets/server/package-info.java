/**
 * An embedded WebSocket server: {@link io.fastwebsockets.server.WebSocketServer#builder()} binds, accepts, performs
 * the handshake, and runs a {@link io.fastwebsockets.server.WebSocketServer.Handler} on one virtual thread per
 * connection, with TLS, connection and idle limits, write timeouts and a graceful {@code close()}.
 */
package io.fastwebsockets.server;
