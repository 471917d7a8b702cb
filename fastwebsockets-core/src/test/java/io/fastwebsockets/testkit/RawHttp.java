package io.fastwebsockets.testkit;

import io.fastwebsockets.internal.http.HttpParser;
import io.fastwebsockets.upgrade.UpgradeException;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/** A raw-socket HTTP peer: hand-made request bytes, response heads read byte by byte. */
public final class RawHttp {
    private RawHttp() {
    }

    /** The sample key of RFC 6455 §1.3 and its accept value. */
    public static final String SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    public static final String SAMPLE_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    /** Connects to 127.0.0.1:port with a 5 s read timeout (a hang guard, not an assertion). */
    public static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(5000);
        s.setTcpNoDelay(true);
        return s;
    }

    /** A valid upgrade request (sample key), with extra header lines (without CRLF) added before the blank line. */
    public static String validRequest(String... extraLines) {
        StringBuilder sb = new StringBuilder()
                .append("GET /chat HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\n")
                .append("Upgrade: websocket\r\n")
                .append("Connection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(SAMPLE_KEY).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n");
        for (String l : extraLines) {
            sb.append(l).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    /** A request from its lines (each without CRLF), terminated by the blank line. */
    public static String request(String... lines) {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    public static void send(Socket s, String text) throws IOException {
        send(s, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public static void send(Socket s, byte[] bytes) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    public static byte[] concat(byte[]... parts) {
        return RawFrames.concat(parts);
    }

    /** Reads a message head up to and including CRLFCRLF, byte by byte (so nothing after it is consumed). */
    public static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("end of stream after " + head.size() + " bytes of head: "
                        + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
            if (head.size() > 64 * 1024) {
                throw new IOException("head too long");
            }
            state = (b == '\r' && (state == 0 || state == 2)) ? state + 1
                    : (b == '\n' && (state == 1 || state == 3)) ? state + 1
                    : (b == '\r') ? 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads and parses a response head. */
    public static HttpParser.Response readResponse(InputStream in) throws IOException {
        byte[] head = readHead(in).getBytes(StandardCharsets.ISO_8859_1);
        try {
            return HttpParser.parseResponse(head, head.length);
        } catch (UpgradeException e) {
            throw new AssertionError("malformed response head: " + new String(head, StandardCharsets.ISO_8859_1), e);
        }
    }

    /**
     * Reads until end of stream, discarding at most 1 MiB (a response body, say). Returns normally when the peer
     * closed (EOF, or a reset after its answer); fails if the read timeout (5 s guard) expires first.
     */
    public static void assertClosedByPeer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] sink = new byte[8192];
        long total = 0;
        try {
            while (total < (1 << 20)) {
                int n = in.read(sink);
                if (n < 0) {
                    return;
                }
                total += n;
            }
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the peer did not close the connection", e);
        } catch (SocketException e) {
            return; // reset: closed too
        }
        throw new AssertionError("the peer kept sending instead of closing");
    }
}
