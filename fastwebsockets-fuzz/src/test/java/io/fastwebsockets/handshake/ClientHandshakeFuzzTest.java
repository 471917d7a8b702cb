package io.fastwebsockets.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fastwebsockets.internal.http.HttpParser;
import io.fastwebsockets.upgrade.ServerHandshake;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client handshake's response reading and checks (the code behind {@link Handshake#connect}) over in-memory
 * streams. Input layout: byte 0 is the largest read; the rest is the server's answer, in which the text
 * {@code @ACCEPT@} is replaced by the right {@code Sec-WebSocket-Accept} for the key the client sent (so that the
 * fuzzer can reach the checks behind it).
 *
 * <p>Only {@link HandshakeException} (or another {@code IOException}) escapes; the head is never buffered past the
 * limit; an accepted answer is a 101 with the right accept value, a subprotocol only if offered and no extension,
 * and the bytes after the head are handed to the WebSocket untouched.
 */
class ClientHandshakeFuzzTest {
    private static final Pattern KEY = Pattern.compile("\r\nSec-WebSocket-Key: ([^\r]*)\r\n");
    private static final int MAX_HEAD = 2048;

    @FuzzTest(maxDuration = "20s")
    void readResponse(byte[] data) throws IOException {
        if (data.length < 1) {
            return;
        }
        int maxRead = 1 + (data[0] & 0xFF);
        byte[] answerTemplate = Arrays.copyOfRange(data, 1, data.length);
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        byte[][] answer = new byte[1][];
        InputStream in = new InputStream() {
            private int pos;

            private byte[] answer() {
                if (answer[0] == null) {
                    Matcher m = KEY.matcher(request.toString(StandardCharsets.ISO_8859_1));
                    assertTrue(m.find(), "the request carries a key before the answer is read");
                    String accept = ServerHandshake.acceptKey(m.group(1));
                    answer[0] = new String(answerTemplate, StandardCharsets.ISO_8859_1).replace("@ACCEPT@", accept)
                            .getBytes(StandardCharsets.ISO_8859_1);
                }
                return answer[0];
            }

            @Override
            public int read() {
                byte[] a = answer();
                return pos < a.length ? a[pos++] & 0xFF : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                byte[] a = answer();
                if (pos >= a.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, maxRead), a.length - pos);
                System.arraycopy(a, pos, b, off, n);
                pos += n;
                return n;
            }
        };
        ClientOptions options = ClientOptions.builder().subprotocols("chat", "superchat").maxHeadBytes(MAX_HEAD)
                .handshakeTimeout(Duration.ofMinutes(1)).build();
        Handshake.Exchange ex;
        try (Socket unconnected = new Socket()) { // only its read timeout is set
            ex = Handshake.exchange(unconnected, in, request, "/chat", "127.0.0.1:9", options,
                    System.nanoTime() + Duration.ofMinutes(1).toNanos());
        } catch (HandshakeException e) {
            assertTrue(e.status() == 0 || e.status() >= 100 && e.status() <= 999, "status " + e.status());
            return;
        } catch (RuntimeException e) {
            throw new AssertionError("threw " + e, e);
        }
        byte[] a = answer[0];
        int end = HttpParser.headEnd(a, 0, a.length);
        assertTrue(end > 0 && end <= MAX_HEAD, "accepted only a complete head within the limit");
        String head = new String(a, 0, end, StandardCharsets.ISO_8859_1);
        assertTrue(head.matches("(?s)HTTP/[0-9]\\.[0-9] 101( [^\r\n]*)?\r\n.*"), head);
        Matcher m = KEY.matcher(request.toString(StandardCharsets.ISO_8859_1));
        assertTrue(m.find());
        assertEquals(ServerHandshake.acceptKey(m.group(1)), ex.headers().get("Sec-WebSocket-Accept"));
        assertTrue(ex.headers().tokens("Sec-WebSocket-Extensions").isEmpty());
        if (ex.subprotocol() != null) {
            assertTrue(ex.subprotocol().equals("chat") || ex.subprotocol().equals("superchat"));
        }
        // Bytes after the head that were already read belong to the WebSocket, unchanged.
        if (ex.rest() != null) {
            byte[] rest = new byte[ex.rest().remaining()];
            ex.rest().duplicate().get(rest);
            assertNotNull(rest);
            assertTrue(Arrays.equals(Arrays.copyOfRange(a, end, end + rest.length), rest), "rest unchanged");
        }
    }
}
