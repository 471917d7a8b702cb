package io.fastwebsockets;

/**
 * The connection is gone: the peer closed the transport, or this side already closed the connection and a read or
 * write was attempted afterwards. {@link #truncated()} tells a peer that hung up in the middle of a frame from one
 * that hung up cleanly between frames (still without a closing handshake).
 */
public class ConnectionClosedException extends WebSocketException {
    /** Version of the serialized form. */
    private static final long serialVersionUID = 1L;

    /** Whether the transport ended inside a frame. */
    private final boolean truncated;

    /**
     * The connection ended: closed, or its transport reached end of stream.
     *
     * @param message what happened
     * @param truncated whether the transport ended inside a frame
     */
    public ConnectionClosedException(String message, boolean truncated) {
        super(CloseCode.ABNORMAL, message);
        this.truncated = truncated;
    }

    /** {@return whether the transport ended in the middle of a frame (or of the bytes of one)} */
    public boolean truncated() {
        return truncated;
    }
}
