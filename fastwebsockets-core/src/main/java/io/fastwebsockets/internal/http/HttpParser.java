package io.fastwebsockets.internal.http;

import io.fastwebsockets.HttpHeaders;
import io.fastwebsockets.upgrade.HttpRequest;
import io.fastwebsockets.upgrade.UpgradeException;

import io.fastwebsockets.internal.deflate.ExtensionHeader;
import java.nio.charset.StandardCharsets;

/**
 * A strict, bounded HTTP/1.1 message-head parser (RFC 9112), sans-I/O: it works on bytes already read. Lines end
 * in CRLF; field names are tokens; obsolete line folding, control characters and bare CR or LF are refused.
 * Used for the server's request and the client's response.
 */
public final class HttpParser {
    private HttpParser() {
    }

    /**
     * Finds the end of a message head (the blank line).
     *
     * @param b bytes received so far
     * @param from where to start looking (a previous scan's end minus 3 is safe)
     * @param len how many bytes of {@code b} are valid
     * @return the index just past the CRLFCRLF, or -1 if it has not arrived yet
     */
    public static int headEnd(byte[] b, int from, int len) {
        for (int i = Math.max(from, 3); i < len; i++) {
            if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    /**
     * Parses a request head.
     *
     * @param b the bytes
     * @param headLength the length of the head including the final CRLFCRLF
     * @return the request
     * @throws UpgradeException with status 400 for anything malformed
     */
    public static HttpRequest parseRequest(byte[] b, int headLength) throws UpgradeException {
        int[] lines = lines(b, headLength);
        // method SP target SP version: exactly two spaces. Cut from the bytes, not from a string of the line: the
        // method and the version are almost always the same few strings (see known), only the target is new.
        int start = lines[0];
        int end = lines[1];
        int sp1 = indexOf(b, ' ', start, end);
        int sp2 = sp1 < 0 ? -1 : indexOf(b, ' ', sp1 + 1, end);
        if (sp2 < 0 || indexOf(b, ' ', sp2 + 1, end) >= 0) {
            throw bad("malformed request line");
        }
        String method = known(b, start, sp1);
        String target = string(b, sp1 + 1, sp2);
        String version = known(b, sp2 + 1, end);
        if (!isToken(method) || target.isEmpty() || !version.startsWith("HTTP/")) {
            throw bad("malformed request line");
        }
        return new HttpRequest(method, target, version, headers(b, lines));
    }

    private static int indexOf(byte[] b, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    // The strings an upgrade request nearly always carries, by exact bytes: the parser hands these out instead of a
    // new String (and its byte array) for each, so a handshake's request allocates only what varies (the target, the
    // host, the key, ...). Equal content, so nothing can tell the difference but the allocation profile.
    private static final String[] KNOWN = {
        "GET", "HTTP/1.1", "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
        "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol", "Origin", "User-Agent", "websocket", "13",
        "Pragma", "Cache-Control", "no-cache", "Accept-Encoding", "Accept-Language", "keep-alive, Upgrade",
        "permessage-deflate; client_max_window_bits", "gzip, deflate, br, zstd", "gzip, deflate, br",
        "HTTP/1.0", "upgrade", "Cookie", "Authorization", "Sec-WebSocket-Accept",
    };
    private static final byte[][] KNOWN_BYTES = new byte[KNOWN.length][];

    static {
        for (int i = 0; i < KNOWN.length; i++) {
            KNOWN_BYTES[i] = KNOWN[i].getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    // b[from, to) as a string: one of KNOWN when the bytes match it exactly, a new one otherwise.
    static String known(byte[] b, int from, int to) {
        int len = to - from;
        for (int i = 0; i < KNOWN_BYTES.length; i++) {
            byte[] k = KNOWN_BYTES[i];
            if (k.length == len && java.util.Arrays.equals(b, from, to, k, 0, len)) {
                return KNOWN[i];
            }
        }
        return string(b, from, to);
    }

    /**
     * A parsed response head.
     *
     * @param version the protocol version
     * @param status the status code
     * @param reason the reason phrase
     * @param headers the header fields
     */
    public record Response(String version, int status, String reason, HttpHeaders headers) {
    }

    /**
     * Parses a response head.
     *
     * @param b the bytes
     * @param headLength the length of the head including the final CRLFCRLF
     * @return the response
     * @throws UpgradeException with status 400 for anything malformed
     */
    public static Response parseResponse(byte[] b, int headLength) throws UpgradeException {
        int[] lines = lines(b, headLength);
        String line = string(b, lines[0], lines[1]);
        int sp1 = line.indexOf(' ');
        if (sp1 < 0 || !line.startsWith("HTTP/") || line.length() < sp1 + 4) {
            throw bad("malformed status line");
        }
        // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3); "HTTP/ 101" is not a status line.
        if (sp1 != 8 || !isDigit(line.charAt(5)) || line.charAt(6) != '.' || !isDigit(line.charAt(7))) {
            throw bad("malformed HTTP version");
        }
        String code = line.substring(sp1 + 1, sp1 + 4);
        // Three digits, the first not 0: RFC 9110 §15 makes codes outside 100..599 invalid; 6xx..9xx are still
        // read (and refused as not 101), a 0xx is malformed.
        if (!code.chars().allMatch(c -> c >= '0' && c <= '9') || code.charAt(0) == '0'
                || (line.length() > sp1 + 4 && line.charAt(sp1 + 4) != ' ')) {
            throw bad("malformed status code");
        }
        String reason = line.length() > sp1 + 5 ? line.substring(sp1 + 5) : "";
        return new Response(line.substring(0, sp1), Integer.parseInt(code), reason, headers(b, lines));
    }

    // The lines of a head as [start, end) byte ranges, pairs in one array: lines are cut at each CRLF by hand (no
    // regular expression, no string per line) and checked for control characters.
    private static int[] lines(byte[] b, int headLength) throws UpgradeException {
        if (headLength < 4) {
            throw bad("empty message head");
        }
        int end = headLength - 4;
        int count = 1;
        for (int i = 0; i + 1 < end; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                count++;
                i++;
            }
        }
        int[] lines = new int[2 * count];
        int start = 0;
        int n = 0;
        for (int i = 0; i <= end; i++) {
            if (i == end || (b[i] == '\r' && i + 1 < end && b[i + 1] == '\n')) {
                lines[n++] = start;
                lines[n++] = i;
                start = i + 2;
                i++;
                continue;
            }
            int c = b[i] & 0xFF;
            if ((c < 0x20 && c != '\t') || c == 0x7F) {
                throw bad("control character in message head");
            }
        }
        if (lines[1] == lines[0]) {
            throw bad("empty start line");
        }
        return lines;
    }

    // ISO-8859-1 maps every byte to one char, so string indexes stay byte indexes.
    private static String string(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private static HttpHeaders headers(byte[] b, int[] lines) throws UpgradeException {
        HttpHeaders h = new HttpHeaders();
        for (int i = 2; i < lines.length; i += 2) {
            int start = lines[i];
            int end = lines[i + 1];
            if (start == end) {
                throw bad("empty header line");
            }
            if (b[start] == ' ' || b[start] == '\t') {
                throw bad("obsolete line folding");
            }
            int colon = start;
            while (colon < end && b[colon] != ':') {
                colon++;
            }
            if (colon == start || colon == end) {
                throw bad("header line without a name");
            }
            String name = known(b, start, colon);
            if (!isToken(name)) {
                throw bad("invalid header name");
            }
            // The value without its surrounding whitespace, cut once (add would strip a copy again).
            int from = colon + 1;
            int to = end;
            while (from < to && Character.isWhitespace((char) (b[from] & 0xFF))) {
                from++;
            }
            while (to > from && Character.isWhitespace((char) (b[to - 1] & 0xFF))) {
                to--;
            }
            h.add(name, known(b, from, to));
        }
        return h;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /**
     * @param s a string
     * @return whether it is a non-empty RFC 9110 token; the one definition is {@link ExtensionHeader#isToken}
     */
    public static boolean isToken(String s) {
        return ExtensionHeader.isToken(s);
    }

    private static UpgradeException bad(String message) {
        return new UpgradeException(400, message);
    }
}
