package io.fastwebsockets.upgrade;

import java.io.IOException;

/**
 * An opening handshake that could not be accepted. {@link #status()} is the HTTP status that was (or should be)
 * answered: 400 for a malformed or invalid request, 403 for a refused Origin, 408 for a handshake that took too
 * long, 426 for a missing upgrade or an unsupported {@code Sec-WebSocket-Version}, 431 for an oversized head, or 0
 * when the peer went away and nothing could be answered.
 */
public class UpgradeException extends IOException {
    /** Version of the serialized form. */
    private static final long serialVersionUID = 1L;

    /** The HTTP status of the answer, or 0. */
    private final int status;

    /**
     * A refused upgrade request.
     *
     * @param status the HTTP status for the response, or 0 for none
     * @param message what was wrong
     */
    public UpgradeException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** {@return the HTTP status answered, or 0 if there was nobody to answer} */
    public int status() {
        return status;
    }

    /**
     * {@return the reason phrase of {@link #status()}, e.g. {@code Forbidden}: with the status, the whole body of the
     * answer this library sends (it repeats nothing of the request; the details are this exception's message)}
     */
    public String reasonPhrase() {
        return switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 408 -> "Request Timeout";
            case 426 -> "Upgrade Required";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 503 -> "Service Unavailable";
            default -> "Error";
        };
    }
}
