package io.fastwebsockets;

/**
 * What {@link WebSocket#send(Frame)} (and a topic publish) does when a message would take the connection's outbound
 * queue past its bound ({@link WebSocket#setMaxBufferedAmount}): the peer reads more slowly than messages are sent
 * to it, and something has to give before memory does.
 *
 * <p>A message is admitted when the queue is empty or when it fits under the bound, so one message larger than the
 * bound can still be sent on its own. Memory held for a connection therefore never exceeds the bound plus one
 * message.
 */
public enum SlowConsumerPolicy {
    /**
     * The sender waits until the queue has room (the blocking API's rule: {@link WebSocket#writeFrame} waits for the
     * socket). Only that sender waits: the queue is drained by its own thread, so other connections and other
     * senders are not held. A topic publish never waits: for a subscriber with this policy, a message that does not
     * fit is skipped, as with {@link #FAIL}.
     */
    BLOCK,
    /**
     * The send returns {@code false} at once and the message is dropped; nothing is queued, the connection stays
     * open. For senders that can shed or coalesce (a position update superseded by the next one).
     */
    FAIL,
    /**
     * The connection is closed with {@link CloseCode#POLICY_VIOLATION 1008} and the reason "slow consumer": what is
     * queued and not yet started is dropped (its memory released at once), the Close is sent through the closing
     * handshake, bounded by the close timeout, and the send returns {@code false}. 1008, not 1013 (try again later):
     * the limit was broken by this peer's reading rate, not by a transient condition of the server, so a client
     * must not take the code as an invitation to reconnect and resume at the same pace.
     */
    CLOSE
}
