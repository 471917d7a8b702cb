package io.fastwebsockets.handshake;

import io.fastwebsockets.HttpHeaders;
import java.io.IOException;

/**
 * The server did not accept the opening handshake, or its answer was not a valid one. {@link #status()} is the
 * server's HTTP status (0 if no valid status line arrived).
 */
public class HandshakeException extends IOException {
    /** Version of the serialized form. */
    private static final long serialVersionUID = 1L;

    /** The HTTP status received, or 0. */
    private final int status;
    private final transient HttpHeaders headers;

    /**
     * A handshake that the server refused or answered wrongly.
     *
     * @param status the HTTP status received, or 0
     * @param headers the response headers received, or {@code null}
     * @param message what was wrong
     */
    public HandshakeException(int status, HttpHeaders headers, String message) {
        super(message);
        this.status = status;
        this.headers = headers;
    }

    /** {@return the HTTP status the server answered, or 0} */
    public int status() {
        return status;
    }

    /** {@return the response headers, or {@code null} if none were received} */
    public HttpHeaders headers() {
        return headers;
    }
}
