package io.fastwebsockets;

import java.io.IOException;

/**
 * The reading capability of a {@link WebSocket}, for the one thread that reads. Automatic replies (Pong, Close)
 * are sent through the connection's writer, serialised with the {@link WriteHalf}'s writes. This is the
 * counterpart of the Rust crate's {@code WebSocketRead}; it is a stable part of the API.
 */
public final class ReadHalf {
    private final WebSocket ws;

    ReadHalf(WebSocket ws) {
        this.ws = ws;
    }

    /**
     * Reads the next frame; see {@link WebSocket#readFrame()}.
     *
     * @return the frame, valid until the next call
     * @throws IOException as {@link WebSocket#readFrame()}
     */
    public Frame readFrame() throws IOException {
        return ws.readFrame();
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
