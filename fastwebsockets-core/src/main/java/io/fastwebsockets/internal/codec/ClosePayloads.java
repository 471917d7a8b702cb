package io.fastwebsockets.internal.codec;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.WebSocketException;
import java.nio.ByteBuffer;

/** The RFC 6455 §5.5.1 and §7.4 rules for a Close payload, checked in place by the decoder and by {@link CloseCode}. */
public final class ClosePayloads {
    private ClosePayloads() {
    }

    /**
     * Validates a Close frame payload without allocating: the rules of {@link CloseCode#parse}.
     *
     * @param payload the buffer holding the payload
     * @param offset where it starts
     * @param length its length
     * @throws WebSocketException as {@link CloseCode#parse} does
     */
    public static void check(ByteBuffer payload, int offset, int length) throws WebSocketException {
        if (length == 0) {
            return;
        }
        if (length == 1) {
            throw WebSocketException.protocol("close frame with a 1-byte payload");
        }
        if (length > 125) {
            throw WebSocketException.protocol("close frame payload longer than 125 bytes");
        }
        int code = ((payload.get(offset) & 0xFF) << 8) | (payload.get(offset + 1) & 0xFF);
        if (!CloseCode.isAllowed(code)) {
            throw WebSocketException.protocol("close code " + code + " is not allowed on the wire");
        }
        Utf8Validator v = new Utf8Validator();
        int bad = v.validate(payload, offset + 2, offset + length);
        if (bad >= 0 || !v.isComplete()) {
            throw new WebSocketException(CloseCode.INVALID_PAYLOAD, "close reason is not valid UTF-8");
        }
    }
}
