package io.fastwebsockets.internal.http;

import io.fastwebsockets.HttpHeaders;
import io.fastwebsockets.upgrade.HttpRequest;
import io.fastwebsockets.upgrade.UpgradeException;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.upgrade.ServerHandshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpParserTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static HttpRequest request(String head) throws UpgradeException {
        byte[] b = bytes(head);
        return HttpParser.parseRequest(b, b.length);
    }

    private static HttpParser.Response response(String head) throws UpgradeException {
        byte[] b = bytes(head);
        return HttpParser.parseResponse(b, b.length);
    }

    private static void assertRejected(String head) {
        UpgradeException e = assertThrows(UpgradeException.class, () -> request(head), head);
        assertEquals(400, e.status());
    }

    // ------------------------------------------------------------------------------- the strings handed out

    @Test
    void commonNamesAndValuesAreSharedConstantsAndEverythingElseIsReadAsSent() throws UpgradeException {
        HttpRequest a = request("GET /a HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                + "X-Odd: GET\r\nupgrade: Websocket\r\n\r\n");
        HttpRequest b = request("GET /b HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                + "\r\n");
        // The same objects from two requests: no string made for them.
        org.junit.jupiter.api.Assertions.assertSame(a.method(), b.method());
        org.junit.jupiter.api.Assertions.assertSame(a.version(), b.version());
        org.junit.jupiter.api.Assertions.assertSame(a.headers().get("Upgrade"), b.headers().get("Upgrade"));
        org.junit.jupiter.api.Assertions.assertSame(a.headers().get("Sec-WebSocket-Version"),
                b.headers().get("Sec-WebSocket-Version"));
        // Content as sent, whatever the table holds: a known string only where the bytes match exactly.
        assertEquals("GET", a.method());
        assertEquals("HTTP/1.1", a.version());
        assertEquals("/a", a.target());
        assertEquals("websocket", a.headers().get("Upgrade"));
        assertEquals("GET", a.headers().get("X-Odd"));
        assertEquals(List.of("websocket", "Websocket"), a.headers().all("upgrade"));
        assertEquals("h", a.headers().get("host"));
        assertEquals("PUT", request("PUT /a HTTP/1.0\r\nHost: h\r\n\r\n").method());
        assertEquals("HTTP/1.0", request("PUT /a HTTP/1.0\r\nHost: h\r\n\r\n").version());
        assertEquals("GE", request("GE /a HTTP/1.1\r\n\r\n").method());
        assertEquals("GETS", request("GETS /a HTTP/1.1\r\n\r\n").method());
    }

    @Test
    void theSwitchingProtocolsAnswerIsByteForByteTheHead() {
        String start = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";
        assertEquals(start + "\r\n", new String(new ServerHandshake.Acceptance("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", null,
                null).responseBytes(), StandardCharsets.ISO_8859_1));
        assertEquals(start + "Sec-WebSocket-Protocol: chat.v2\r\n\r\n", new String(new ServerHandshake.Acceptance(
                "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "chat.v2", null).responseBytes(), StandardCharsets.ISO_8859_1));
        io.fastwebsockets.deflate.PerMessageDeflate.Agreement agreement = io.fastwebsockets.deflate.PerMessageDeflate
                .defaults().negotiate(List.of("permessage-deflate; client_max_window_bits"));
        assertEquals(start + "Sec-WebSocket-Protocol: p\r\nSec-WebSocket-Extensions: "
                + agreement.responseHeaderValue() + "\r\n\r\n", new String(new ServerHandshake.Acceptance(
                "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "p", agreement).responseBytes(), StandardCharsets.ISO_8859_1));
        // Beyond ISO-8859-1: '?', as String.getBytes(ISO_8859_1) writes it.
        assertEquals(start + "Sec-WebSocket-Protocol: a?b\r\n\r\n", new String(new ServerHandshake.Acceptance(
                "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "a\u20acb", null).responseBytes(), StandardCharsets.ISO_8859_1));
    }

    // ----------------------------------------------------------------------------------------------- headEnd

    @Test
    void headEndFindsTheBlankLineAndPointsJustPastIt() {
        byte[] b = bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\nFRAME");
        assertEquals(b.length - "FRAME".length(), HttpParser.headEnd(b, 0, b.length));
    }

    @Test
    void headEndIsMinusOneUntilTheBlankLineHasArrived() {
        byte[] b = bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        for (int len = 0; len < b.length; len++) {
            assertEquals(-1, HttpParser.headEnd(b, 0, len), "prefix of " + len + " bytes");
        }
        assertEquals(b.length, HttpParser.headEnd(b, 0, b.length));
    }

    @Test
    void headEndFindsTheBlankLineWhateverWayTheBytesAreSplitIntoReads() {
        byte[] all = bytes("GET /x HTTP/1.1\r\nHost: h\r\nA: b\r\n\r\nrest");
        int expected = all.length - 4;
        // Every split into two reads, and byte-at-a-time, scanned incrementally the way ServerHandshake does.
        for (int split = 0; split <= all.length; split++) {
            assertEquals(expected, scanIncrementally(all, new int[] {split, all.length - split}), "split " + split);
        }
        int[] ones = new int[all.length];
        java.util.Arrays.fill(ones, 1);
        assertEquals(expected, scanIncrementally(all, ones));
        // Splits inside the CRLFCRLF itself, three reads.
        int crlf = expected - 4;
        for (int a = crlf; a <= expected; a++) {
            for (int b = a; b <= expected; b++) {
                assertEquals(expected, scanIncrementally(all, new int[] {a, b - a, all.length - b}));
            }
        }
    }

    private static int scanIncrementally(byte[] all, int[] chunks) {
        int len = 0;
        int end = -1;
        for (int c : chunks) {
            if (end >= 0) {
                break;
            }
            int from = Math.max(0, len - 3);
            len += c;
            end = HttpParser.headEnd(all, from, len);
        }
        return end;
    }

    @Test
    void headEndIgnoresBareLfAndLoneCrlf() {
        assertEquals(-1, HttpParser.headEnd(bytes("GET / HTTP/1.1\n\n"), 0, 16));
        byte[] b = bytes("A\r\nB\r\n\rX\n");
        assertEquals(-1, HttpParser.headEnd(b, 0, b.length));
    }

    // ----------------------------------------------------------------------------------------------- requests

    @Test
    void parsesARequestLineAndHeaders() throws Exception {
        HttpRequest r = request("GET /chat?room=1 HTTP/1.1\r\nHost: example.com:8080\r\n"
                + "Connection:keep-alive, Upgrade\r\nX-Multi: a\r\nx-multi: b\r\nEmpty:\r\nTabbed:\t v \t\r\n\r\n");
        assertEquals("GET", r.method());
        assertEquals("/chat?room=1", r.target());
        assertEquals("HTTP/1.1", r.version());
        HttpHeaders h = r.headers();
        assertEquals("example.com:8080", h.get("HOST"));
        assertEquals(List.of("keep-alive", "Upgrade"), h.tokens("connection"));
        assertTrue(h.containsToken("Connection", "upgrade"));
        assertEquals(List.of("a", "b"), h.all("X-MULTI"));
        assertEquals(2, h.count("x-multi"));
        assertEquals("", h.get("Empty"));
        assertEquals("v", h.get("tabbed"));
        assertEquals(List.of("host", "connection", "x-multi", "empty", "tabbed"), h.names());
    }

    @Test
    void acceptsObsTextInValues() throws Exception {
        HttpRequest r = request("GET / HTTP/1.1\r\nX-Latin: caf\u00e9\r\n\r\n");
        assertEquals("caf\u00e9", r.headers().get("x-latin"));
    }

    @Test
    void parsesARequestWithoutHeaders() throws Exception {
        HttpRequest r = request("GET / HTTP/1.1\r\n\r\n");
        assertEquals("/", r.target());
        assertTrue(r.headers().names().isEmpty());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "\r\n\r\n", // empty start line
        "\r\nGET / HTTP/1.1\r\n\r\n", // leading empty line
        "GET / HTTP/1.1 extra\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET /\r\n\r\n",
        "GET / FTP/1.1\r\n\r\n",
        "GET  HTTP/1.1\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r\nX: y\r\n\r\n", // an empty line inside the head
    })
    void rejectsMalformedRequestLines(String head) {
        assertRejected(head);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "GET / HTTP/1.1\r\nHost: a\u0000b\r\n\r\n", // NUL
        "GET / HTTP/1.1\r\nHost: a\u0001\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\u007Fb\r\n\r\n", // DEL
        "GET / HTTP/1.1\r\nHost: a\u001bb\r\n\r\n", // ESC
        "GET /\u0000 HTTP/1.1\r\n\r\n",
    })
    void rejectsControlCharacters(String head) {
        assertRejected(head);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "GET / HTTP/1.1\nHost: a\r\n\r\n", // bare LF ending the request line
        "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", // bare LF between fields
        "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", // bare CR
        "GET / HTTP/1.1\r\nHost: a\r\n\n\r\n\r\n",
    })
    void rejectsBareLfAndBareCr(String head) {
        assertRejected(head);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : x\r\n\r\n", // whitespace before the colon (RFC 9112 §5.1: reject)
        "GET / HTTP/1.1\r\nBad(Name): x\r\n\r\n",
        "GET / HTTP/1.1\r\nBad\"Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nBad/Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nN\u00e4me: x\r\n\r\n",
        "GET / HTTP/1.1\r\n: no name\r\n\r\n",
        "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
    })
    void rejectsFieldNamesThatAreNotTokens(String head) {
        assertRejected(head);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "GET / HTTP/1.1\r\nX-Folded: a\r\n b\r\n\r\n",
        "GET / HTTP/1.1\r\nX-Folded: a\r\n\tb\r\n\r\n",
        "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
    })
    void rejectsObsoleteLineFolding(String head) {
        assertRejected(head);
    }

    @Test
    void isTokenFollowsRfc9110() {
        assertTrue(HttpParser.isToken("Sec-WebSocket-Key"));
        assertTrue(HttpParser.isToken("!#$%&'*+-.^_`|~09azAZ"));
        for (String s : new String[] {"", "a b", "a:b", "a/b", "a,b", "a;b", "a=b", "a\"b", "a(b)", "a[b]",
                "a{b}", "a?b", "a@b", "a\\b", "a\tb", "\u00e9"}) {
            assertFalse(HttpParser.isToken(s), s);
        }
    }

    // ---------------------------------------------------------------------------------------------- responses

    @Test
    void parsesAStatusLineAndHeaders() throws Exception {
        HttpParser.Response r = response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Accept: " + ServerHandshake.acceptKey("x") + "\r\n\r\n");
        assertEquals("HTTP/1.1", r.version());
        assertEquals(101, r.status());
        assertEquals("Switching Protocols", r.reason());
        assertEquals("websocket", r.headers().get("upgrade"));
    }

    @Test
    void parsesAStatusLineWithoutReason() throws Exception {
        assertEquals(200, response("HTTP/1.1 200\r\n\r\n").status());
        assertEquals("", response("HTTP/1.1 200\r\n\r\n").reason());
        assertEquals(404, response("HTTP/1.1 404 \r\n\r\n").status());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "HTTP/1.1\r\n\r\n",
        "HTTP/1.1 1\r\n\r\n",
        "HTTP/1.1 20x OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 -10 OK\r\n\r\n",
        "HTTP/1.1 050 Switching Protocols\r\n\r\n", // found by ClientHandshakeFuzzTest: no status below 100
        "HTTP/1.1 000\r\n\r\n",
        "HTTP/ 101\r\n\r\n", // found by ClientHandshakeFuzzTest: the version needs its digits
        "HTTP/1 101\r\n\r\n",
        "HTTP/1.1.1 101\r\n\r\n",
        "HTTP/x.1 101\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "\u0000\u0001garbage\r\n\r\n",
        "HTTP/1.1 101 OK\r\nUpgrade: web\u0000socket\r\n\r\n",
        "HTTP/1.1 101 OK\nUpgrade: websocket\r\n\r\n",
        "HTTP/1.1 101 OK\r\nBad Name: x\r\n\r\n",
        "HTTP/1.1 101 OK\r\nX: a\r\n folded\r\n\r\n",
    })
    void rejectsMalformedResponses(String head) {
        assertThrows(UpgradeException.class, () -> response(head), head);
    }

    @Test
    void aHeadShorterThanItsTerminatorIsRejected() {
        assertThrows(UpgradeException.class, () -> HttpParser.parseRequest(new byte[2], 2));
    }
}
