/**
 * One WebSocket connection (RFC 6455) after its opening handshake, as raw frames or whole messages.
 *
 * <p>{@link io.fastwebsockets.WebSocket#afterHandshake(java.nio.channels.SocketChannel, Role)} (or the stream
 * overloads) makes a connection; {@link io.fastwebsockets.WebSocket#readFrame()},
 * {@link io.fastwebsockets.WebSocket#writeFrame(Frame)}, {@link io.fastwebsockets.WebSocket#flush()} and
 * {@link io.fastwebsockets.WebSocket#close(int, String)} drive it, and its setters choose what is automatic (Pong
 * and Close replies, unmasking, flushing, gathering writes) and the limits. A {@link io.fastwebsockets.Frame} is a
 * frame's fin bit, {@link io.fastwebsockets.OpCode}, RSV bits and payload; {@link io.fastwebsockets.CloseCode}
 * names the close codes; a {@link io.fastwebsockets.FragmentCollector} joins fragments into whole messages;
 * {@link io.fastwebsockets.WebSocket#readHalf()} and {@link io.fastwebsockets.WebSocket#writeHalf()} split a
 * connection between a reading and a writing thread; an {@link io.fastwebsockets.EventLoop} watches many idle
 * connections on one thread. A connection that fails throws a {@link io.fastwebsockets.WebSocketException} carrying
 * the close code it sent ({@link io.fastwebsockets.ConnectionClosedException} once it is closed).
 * {@link io.fastwebsockets.HttpHeaders} are the handshake's headers, as both sides see them.
 *
 * <p>The opening handshake lives in {@code io.fastwebsockets.upgrade} (server) and {@code io.fastwebsockets.handshake}
 * (client); an embedded server in {@code io.fastwebsockets.server}; permessage-deflate settings in
 * {@code io.fastwebsockets.deflate}.
 */
package io.fastwebsockets;
