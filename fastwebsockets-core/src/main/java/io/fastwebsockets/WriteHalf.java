package io.fastwebsockets;

import java.io.IOException;

/**
 * The writing capability of a {@link WebSocket}, safe to share between threads (writes are serialised). This is
 * the counterpart of the Rust crate's {@code WebSocketWrite}; it is a stable part of the API.
 */
public final class WriteHalf {
    private final WebSocket ws;

    WriteHalf(WebSocket ws) {
        this.ws = ws;
    }

    /**
     * Writes a frame; see {@link WebSocket#writeFrame(Frame)}.
     *
     * @param frame the frame
     * @throws IOException as {@link WebSocket#writeFrame(Frame)}
     */
    public void writeFrame(Frame frame) throws IOException {
        ws.writeFrame(frame);
    }

    /**
     * Sends a whole message without waiting for the peer; see {@link WebSocket#send(Frame)}.
     *
     * @param frame the frame
     * @return as {@link WebSocket#send(Frame)}
     * @throws IOException as {@link WebSocket#send(Frame)}
     */
    public boolean send(Frame frame) throws IOException {
        return ws.send(frame);
    }

    /** {@return the payload bytes queued and not yet written; see {@link WebSocket#bufferedAmount()}} */
    public long bufferedAmount() {
        return ws.bufferedAmount();
    }

    /**
     * Pushes buffered frames; see {@link WebSocket#flush()}.
     *
     * @throws IOException if the transport failed
     */
    public void flush() throws IOException {
        ws.flush();
    }

    /**
     * Starts or completes the closing handshake; see {@link WebSocket#close(int, String)}.
     *
     * @param code the close code
     * @param reason the reason, may be {@code null}
     * @throws IOException as {@link WebSocket#close(int, String)}
     */
    public void close(int code, String reason) throws IOException {
        ws.close(code, reason);
    }

    /** {@return whether the connection can no longer carry messages} */
    public boolean isClosed() {
        return ws.isClosed();
    }

    /** {@return the connection this half belongs to} */
    public WebSocket webSocket() {
        return ws;
    }
}
