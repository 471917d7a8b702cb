package io.fastwebsockets.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fastwebsockets.CloseCode;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.internal.codec.ClosePayloads;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The Close payload parser: {@link CloseCode#parse} and {@link ClosePayloads#check} agree with each other and
 * with the rules (empty: no status; 1 byte or over 125: 1002; a code not allowed on the wire: 1002; a reason that
 * is not UTF-8: 1007), on heap and direct buffers at any offset; what parses re-encodes to the same bytes.
 */
class CloseCodeFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void parse(byte[] payload) {
        int expected;
        if (payload.length == 0) {
            expected = 0;
        } else if (payload.length == 1 || payload.length > 125) {
            expected = 1002;
        } else if (!RefParser.allowedCloseCode(((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF))) {
            expected = 1002;
        } else if (!RefParser.isUtf8(Arrays.copyOfRange(payload, 2, payload.length))) {
            expected = 1007;
        } else {
            expected = 0;
        }
        CloseCode.Status status = null;
        int code = 0;
        try {
            status = CloseCode.parse(ByteBuffer.wrap(payload));
        } catch (WebSocketException e) {
            code = e.closeCode();
        }
        assertEquals(expected, code, () -> "verdict on " + FrameDecoderFuzzTest.hex(payload));
        ByteBuffer direct = ByteBuffer.allocateDirect(payload.length + 3);
        direct.put(3, payload);
        int checked = 0;
        try {
            ClosePayloads.check(direct, 3, payload.length);
        } catch (WebSocketException e) {
            checked = e.closeCode();
        }
        assertEquals(expected, checked, "checkPayload agrees, direct buffer at an offset");
        if (status == null) {
            return;
        }
        if (payload.length == 0) {
            assertEquals(CloseCode.NO_STATUS, status.code());
            return;
        }
        assertEquals(((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF), status.code());
        assertEquals(new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8), status.reason());
        ByteBuffer again = CloseCode.payload(status.code(), status.reason());
        byte[] bytes = new byte[again.remaining()];
        again.get(bytes);
        if (!Arrays.equals(payload, bytes)) {
            fail("re-encoding changed the payload");
        }
    }
}
