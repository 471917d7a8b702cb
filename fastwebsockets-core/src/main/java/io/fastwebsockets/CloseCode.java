package io.fastwebsockets;

import io.fastwebsockets.internal.codec.ClosePayloads;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Close status codes (RFC 6455 §7.4 and the IANA registry), which of them may appear on the wire, and the Close
 * frame payload: a 2-byte big-endian code followed by an optional UTF-8 reason, at most 125 bytes in all.
 */
public final class CloseCode {
    /** 1000: the purpose of the connection is fulfilled. */
    public static final int NORMAL = 1000;
    /** 1001: the endpoint is going away (server shutdown, page navigation). */
    public static final int GOING_AWAY = 1001;
    /** 1002: protocol error. */
    public static final int PROTOCOL_ERROR = 1002;
    /** 1003: a data type the endpoint cannot accept. */
    public static final int UNSUPPORTED_DATA = 1003;
    /** 1005: no status code was present; never sent on the wire. */
    public static final int NO_STATUS = 1005;
    /** 1006: the connection closed without a Close frame; never sent on the wire. */
    public static final int ABNORMAL = 1006;
    /** 1007: message data inconsistent with its type, e.g. invalid UTF-8 in a text message. */
    public static final int INVALID_PAYLOAD = 1007;
    /** 1008: a message violates the endpoint's policy. */
    public static final int POLICY_VIOLATION = 1008;
    /** 1009: a message too big to process. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** 1010: the client expected the server to negotiate an extension. */
    public static final int MANDATORY_EXTENSION = 1010;
    /** 1011: the server hit an unexpected condition. */
    public static final int INTERNAL_ERROR = 1011;
    /** 1012: the service is restarting. */
    public static final int SERVICE_RESTART = 1012;
    /** 1013: try again later. */
    public static final int TRY_AGAIN_LATER = 1013;
    /** 1014: a gateway or proxy received an invalid response from upstream. */
    public static final int BAD_GATEWAY = 1014;
    /** 1015: TLS handshake failure; never sent on the wire. */
    public static final int TLS_HANDSHAKE = 1015;

    /** The largest reason, in UTF-8 bytes, that fits a control frame beside the code. */
    public static final int MAX_REASON_BYTES = 123;

    private CloseCode() {
    }

    /**
     * Whether a code may be sent in, and accepted from, a Close frame: the registered codes 1000–1003 and
     * 1007–1014, and the ranges 3000–3999 (registered by libraries and frameworks) and 4000–4999 (private use).
     * 1004 (reserved), 1005, 1006 and 1015 (local signals only), the rest of 1016–2999 and anything below 1000 or
     * above 4999 are not allowed.
     *
     * @param code a close code
     * @return whether it is allowed on the wire
     */
    public static boolean isAllowed(int code) {
        return (code >= 1000 && code <= 1003)
                || (code >= 1007 && code <= 1014)
                || (code >= 3000 && code <= 4999);
    }

    /**
     * A parsed Close frame payload.
     *
     * @param code the status code, or {@link #NO_STATUS} when the payload was empty
     * @param reason the reason, empty when there was none
     */
    public record Status(int code, String reason) {
    }

    /**
     * Parses a Close frame payload (the bytes from position to limit; the buffer's position is not changed).
     *
     * @param payload the payload of a Close frame
     * @return its code and reason; code {@link #NO_STATUS} for an empty payload
     * @throws WebSocketException 1002 for a 1-byte payload, a payload over 125 bytes or a code not allowed on the
     *     wire; 1007 for a reason that is not valid UTF-8
     */
    public static Status parse(ByteBuffer payload) throws WebSocketException {
        int p = payload.position();
        int n = payload.remaining();
        if (n == 0) {
            return new Status(NO_STATUS, "");
        }
        ClosePayloads.check(payload, p, n);
        int code = ((payload.get(p) & 0xFF) << 8) | (payload.get(p + 1) & 0xFF);
        byte[] reason = new byte[n - 2];
        payload.get(p + 2, reason);
        return new Status(code, new String(reason, StandardCharsets.UTF_8));
    }

    /**
     * Checks a Close payload an application is about to send (position to limit).
     *
     * @param payload the payload
     * @throws IllegalArgumentException if a peer would reject it
     */
    static void checkPayloadForSending(ByteBuffer payload) {
        try {
            ClosePayloads.check(payload, payload.position(), payload.remaining());
        } catch (WebSocketException e) {
            throw new IllegalArgumentException("invalid close payload: " + e.getMessage(), e);
        }
    }

    /** @return the code of a Close payload (position to limit), {@link #NO_STATUS} when it has none */
    static int codeOf(ByteBuffer payload) {
        int at = payload.position();
        return payload.remaining() >= 2 ? ((payload.get(at) & 0xFF) << 8) | (payload.get(at + 1) & 0xFF) : NO_STATUS;
    }

    /**
     * Builds a Close frame payload.
     *
     * @param code a code allowed on the wire, or {@link #NO_STATUS} for an empty payload
     * @param reason the reason, may be {@code null} or empty; at most 123 bytes in UTF-8
     * @return a new buffer holding the payload
     * @throws IllegalArgumentException if the code is not allowed on the wire or the reason is too long
     */
    public static ByteBuffer payload(int code, String reason) {
        byte[] r = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
        if (code == NO_STATUS) {
            if (r.length != 0) {
                throw new IllegalArgumentException("a reason needs a status code");
            }
            return ByteBuffer.allocate(0);
        }
        if (!isAllowed(code)) {
            throw new IllegalArgumentException("close code " + code + " may not be sent");
        }
        if (r.length > MAX_REASON_BYTES) {
            throw new IllegalArgumentException("close reason is " + r.length + " bytes in UTF-8; at most "
                    + MAX_REASON_BYTES + " fit");
        }
        ByteBuffer b = ByteBuffer.allocate(2 + r.length);
        b.putShort((short) code).put(r).flip();
        return b;
    }

    /**
     * The fixed reason a connection sends when it fails with a code: a short phrase that says what class of problem
     * it was and nothing about the limits or the library (the details go to the log, never to the peer).
     *
     * @param code a close code
     * @return its phrase, e.g. {@code "message too big"} for 1009; {@code ""} for codes without one
     */
    public static String phrase(int code) {
        return switch (code) {
            case NORMAL -> "";
            case GOING_AWAY -> "going away";
            case PROTOCOL_ERROR -> "protocol error";
            case UNSUPPORTED_DATA -> "unsupported data";
            case INVALID_PAYLOAD -> "invalid payload";
            case POLICY_VIOLATION -> "policy violation";
            case MESSAGE_TOO_BIG -> "message too big";
            case MANDATORY_EXTENSION -> "extension required";
            case INTERNAL_ERROR -> "internal error";
            case TRY_AGAIN_LATER -> "try again later";
            default -> "";
        };
    }

    /**
     * Cuts a reason to at most {@link #MAX_REASON_BYTES} UTF-8 bytes without splitting a character.
     *
     * @param reason any text, may be {@code null}
     * @return the longest prefix that fits
     */
    static String truncateReason(String reason) {
        if (reason == null) {
            return "";
        }
        byte[] b = reason.getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_REASON_BYTES) {
            return reason;
        }
        int end = MAX_REASON_BYTES;
        while (end > 0 && (b[end] & 0xC0) == 0x80) {
            end--; // do not cut inside a multi-byte sequence
        }
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }
}
