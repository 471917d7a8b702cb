package io.fastwebsockets.internal;

/**
 * Told about one connection's traffic (for the embedded server's stats): data frames in and out and the first Close
 * code. Called on the reading or writing thread, on the hot path: implementations only add to counters.
 */
public interface ConnectionObserver {
    /**
     * A data frame arrived (after inflating).
     *
     * @param fin whether it ends its message
     * @param payloadBytes its payload length
     */
    void dataIn(boolean fin, int payloadBytes);

    /**
     * A data frame was written (its payload before compression).
     *
     * @param fin whether it ends its message
     * @param payloadBytes its payload length
     */
    void dataOut(boolean fin, int payloadBytes);

    /**
     * A Close frame was sent or received (called for each; the first one tells who closed and why).
     *
     * @param code its code (1005 when it carries none)
     */
    void close(int code);

    /**
     * The slow-consumer policy (CLOSE) is closing the connection: its outbound queue would have passed its bound.
     *
     * @param queuedBytes the payload bytes queued for it at that moment
     */
    default void slowConsumerClosed(long queuedBytes) {
    }
}
