package io.fastwebsockets;

import java.io.IOException;

/**
 * A WebSocket protocol failure. It carries the close code the failure maps to (RFC 6455 §7.4.1): 1002 for a
 * protocol violation, 1007 for invalid UTF-8, 1009 for a message over the size limit, and so on. When a
 * connection fails this way it has already sent a Close frame with that code (where it still could) and closed
 * the transport.
 */
public class WebSocketException extends IOException {
    /** Version of the serialized form. */
    private static final long serialVersionUID = 1L;

    /** The close code this failure maps to. */
    private final int closeCode;

    /**
     * A failure that maps to a close code.
     *
     * @param closeCode the close code this failure maps to
     * @param message what went wrong, for humans
     */
    public WebSocketException(int closeCode, String message) {
        super(message);
        this.closeCode = closeCode;
    }

    /**
     * A failure that maps to a close code.
     *
     * @param closeCode the close code this failure maps to
     * @param message what went wrong, for humans
     * @param cause the underlying failure
     */
    public WebSocketException(int closeCode, String message, Throwable cause) {
        super(message, cause);
        this.closeCode = closeCode;
    }

    /** {@return the close code this failure maps to, one of the {@link CloseCode} constants} */
    public int closeCode() {
        return closeCode;
    }

    /**
     * A protocol violation (1002).
     *
     * @param message what was violated
     * @return the exception
     */
    public static WebSocketException protocol(String message) {
        return new WebSocketException(CloseCode.PROTOCOL_ERROR, message);
    }
}
