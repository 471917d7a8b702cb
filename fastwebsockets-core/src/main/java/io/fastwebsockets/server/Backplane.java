package io.fastwebsockets.server;

import io.fastwebsockets.OpCode;
import java.nio.ByteBuffer;

/**
 * A cluster backplane for {@link WebSocketServer}'s topics: what one node publishes reaches the subscribers of every
 * node. The server calls it; an implementation carries messages between nodes (Redis Pub/Sub in
 * {@code fastwebsockets-redis}, or your own).
 *
 * <p><b>What crosses it.</b> A topic, an opcode (TEXT or BINARY) and a payload: never a framed or compressed frame.
 * Each node frames a message once for its own subscribers (and compresses it once for those that agreed on
 * permessage-deflate without context takeover).
 *
 * <p><b>The contract.</b> {@link #publish} is called after each local publish has been delivered to the local
 * subscribers, in the publishing thread, and must not block for long (queue the message and return). A message from
 * another node is handed to {@link Node#deliver}, which delivers it to this node's subscribers only (never back to
 * the backplane). {@link #subscribe} and {@link #unsubscribe} say when this node gains its first subscriber of a
 * topic and loses its last, so an implementation can listen only to the topics someone here wants.
 *
 * <p><b>Guarantees</b> an implementation should give and document: at most once across nodes (a message published
 * while the backplane is down is lost, and counted in {@link Stats#lost()}), order kept per publishing node and
 * topic, and local publishes unaffected by the backplane's state.
 */
public interface Backplane extends AutoCloseable {
    /**
     * Starts the backplane for one server; called once, by {@link WebSocketServer.Builder#start()}.
     *
     * @param node where messages from other nodes go
     */
    void start(Node node);

    /**
     * Forwards a message published on this node to the other nodes.
     *
     * @param topic the topic
     * @param opcode TEXT or BINARY
     * @param payload the message, position to limit, read-only; valid only during the call (copy what you keep)
     */
    void publish(String topic, OpCode opcode, ByteBuffer payload);

    /**
     * This node has its first subscriber of a topic: start receiving the topic's messages from other nodes.
     *
     * @param topic the topic
     */
    void subscribe(String topic);

    /**
     * This node has no subscriber of a topic left: its messages from other nodes are no longer needed.
     *
     * @param topic the topic
     */
    void unsubscribe(String topic);

    /** @return the backplane's numbers now */
    Stats stats();

    /** Stops the backplane (called by the server's {@code close()}); later publishes are ignored. */
    @Override
    void close();

    /** The server's side of the backplane. */
    @FunctionalInterface
    interface Node {
        /**
         * Delivers a message from another node to this node's subscribers of the topic.
         *
         * @param topic the topic
         * @param opcode TEXT or BINARY
         * @param payload the message, position to limit; copied before the call returns
         * @return the local subscribers it was written or queued for
         */
        int deliver(String topic, OpCode opcode, ByteBuffer payload);
    }

    /**
     * A backplane's numbers.
     *
     * @param connected whether it can carry messages now
     * @param published messages forwarded to other nodes
     * @param received messages received from other nodes and delivered here
     * @param lost messages that could not be forwarded (backplane down, or its queue full): at most once
     * @param reconnects times the connection to the backplane was made again after a failure
     */
    record Stats(boolean connected, long published, long received, long lost, long reconnects) {
    }
}
