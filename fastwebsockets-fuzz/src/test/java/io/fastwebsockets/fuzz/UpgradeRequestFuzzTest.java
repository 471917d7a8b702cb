package io.fastwebsockets.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fastwebsockets.internal.http.HttpParser;
import io.fastwebsockets.upgrade.HttpRequest;
import io.fastwebsockets.upgrade.ServerHandshake;
import io.fastwebsockets.upgrade.UpgradeException;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The server's upgrade request handling without a socket: {@link HttpParser#headEnd} over any split of the bytes
 * (as the server reads them), {@link HttpParser#parseRequest}, then {@link ServerHandshake#validate}. Input layout:
 * byte 0 seeds the split points and the Origin policy; the rest is what the client sent.
 *
 * <p>Only {@link UpgradeException} escapes, with a status from the README's table (400, 403, 426); an accepted
 * request really is a GET over HTTP/1.x with one Host, one well-formed key and version 13, and its 101 answer
 * parses back with the right {@code Sec-WebSocket-Accept} and an offered subprotocol.
 */
class UpgradeRequestFuzzTest {
    private static final int MAX_HEAD = 8192;

    @FuzzTest(maxDuration = "20s")
    void parseAndValidate(byte[] data) throws Exception {
        if (data.length < 1) {
            return;
        }
        byte[] bytes = Arrays.copyOfRange(data, 1, Math.min(data.length, 1 + MAX_HEAD));
        int oneShot = HttpParser.headEnd(bytes, 0, bytes.length);
        // Incremental scan, as ServerHandshake reads: from max(0, len - 3) after each read.
        SplittableRandom r = new SplittableRandom(data[0]);
        int len = 0;
        int end = -1;
        while (end < 0 && len < bytes.length) {
            int from = Math.max(0, len - 3);
            len = Math.min(bytes.length, len + 1 + r.nextInt(64));
            end = HttpParser.headEnd(bytes, from, len);
        }
        assertEquals(oneShot, end, "the end of the head does not depend on how it arrived");
        if (end < 0) {
            return;
        }
        assertTrue(end >= 4 && bytes[end - 1] == '\n' && bytes[end - 2] == '\r' && bytes[end - 3] == '\n'
                && bytes[end - 4] == '\r');
        UpgradeOptions options = UpgradeOptions.builder()
                .subprotocols("chat", "v2.json")
                .originCheck((data[0] & 1) == 0 ? origin -> true : origin -> origin == null || origin.startsWith("http://ok"))
                .build();
        HttpRequest request;
        ServerHandshake.Acceptance acceptance;
        try {
            request = HttpParser.parseRequest(bytes, end);
            acceptance = ServerHandshake.validate(request, options);
        } catch (UpgradeException e) {
            assertTrue(List.of(400, 403, 426).contains(e.status()), () -> "status " + e.status());
            return;
        } catch (RuntimeException e) {
            throw new AssertionError("threw " + e + " on " + new String(bytes, 0, end, StandardCharsets.ISO_8859_1), e);
        }
        // Accepted: check the request independently of the validator.
        assertEquals("GET", request.method());
        assertTrue(request.version().matches("HTTP/1\\.[1-9]"), request.version());
        assertEquals(1, request.headers().count("Host"));
        assertEquals(1, request.headers().count("Sec-WebSocket-Key"));
        String key = request.headers().get("Sec-WebSocket-Key");
        assertEquals(16, Base64.getDecoder().decode(key).length);
        assertEquals(List.of("13"), request.headers().tokens("Sec-WebSocket-Version"));
        byte[] answer = acceptance.responseBytes();
        int answerEnd = HttpParser.headEnd(answer, 0, answer.length);
        assertEquals(answer.length, answerEnd);
        HttpParser.Response response = HttpParser.parseResponse(answer, answerEnd);
        assertEquals(101, response.status());
        assertEquals(ServerHandshake.acceptKey(key), response.headers().get("Sec-WebSocket-Accept"));
        String chosen = response.headers().get("Sec-WebSocket-Protocol");
        if (chosen != null) {
            assertTrue(request.headers().tokens("Sec-WebSocket-Protocol").contains(chosen));
        }
    }
}
