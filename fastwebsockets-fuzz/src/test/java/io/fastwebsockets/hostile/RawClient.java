package io.fastwebsockets.hostile;

import io.fastwebsockets.testkit.RawFrames;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A hostile client written with sockets and bytes only: a valid or broken handshake, then any frame bytes, and a
 * small reader of what the server sends back (server frames are unmasked).
 */
final class RawClient implements AutoCloseable {
    static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    final Socket socket;
    final InputStream in;
    final OutputStream out;

    /** A received frame. */
    record Frame(boolean fin, int rsv, int opcode, byte[] payload) {
        int closeCode() {
            return payload.length < 2 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }
    }

    RawClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(10_000); // a hang guard; tests assert their own bounds
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Connects and completes a valid handshake. */
    static RawClient upgraded(int port) throws IOException {
        RawClient c = new RawClient(port);
        c.send(request());
        String head = c.readHead();
        if (!head.startsWith("HTTP/1.1 101")) {
            c.close();
            throw new IOException("not upgraded: " + head);
        }
        return c;
    }

    static String request() {
        return request("");
    }

    /** A valid upgrade request with more header lines ({@code "Name: value\r\n"} each). */
    static String request(String moreHeaders) {
        return "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n" + moreHeaders + "\r\n";
    }

    /**
     * Connects, offers {@code Sec-WebSocket-Extensions: offer} and completes the handshake.
     *
     * @return the client and the response head
     */
    static Upgraded upgradedOffering(int port, String offer) throws IOException {
        RawClient c = new RawClient(port);
        c.send(request("Sec-WebSocket-Extensions: " + offer + "\r\n"));
        String head = c.readHead();
        if (!head.startsWith("HTTP/1.1 101")) {
            c.close();
            throw new IOException("not upgraded: " + head);
        }
        return new Upgraded(c, head);
    }

    /** A client after its handshake, and the server's response head. */
    record Upgraded(RawClient client, String head) {
    }

    void send(String s) throws IOException {
        send(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    void send(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    /** The response head, byte by byte. */
    String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (head.size() < 65536) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("closed after " + head.size() + " bytes of head");
            }
            head.write(b);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        throw new IOException("head too long");
    }

    /** Reads one frame from the server (at most 16 MiB, a guard). */
    Frame readFrame() throws IOException {
        RawFrames.RawFrame f = RawFrames.read(in);
        if (f.masked()) {
            throw new IOException("the server masked a frame");
        }
        return new Frame(f.fin(), f.rsv(), f.opcode(), f.payload());
    }

    /** Reads frames until a Close arrives (skipping others, at most {@code maxFrames}); returns it. */
    Frame readUntilClose(int maxFrames) throws IOException {
        for (int i = 0; i < maxFrames; i++) {
            Frame f = readFrame();
            if (f.opcode == 8) {
                return f;
            }
        }
        throw new IOException("no Close within " + maxFrames + " frames");
    }

    /** Whether the server closed the TCP connection (EOF or reset) before {@code millis} pass, draining data. */
    boolean closedByServerWithin(int millis) throws IOException {
        int old = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        long deadline = System.nanoTime() + millis * 1_000_000L;
        byte[] sink = new byte[65536];
        try {
            while (System.nanoTime() < deadline) {
                if (in.read(sink) < 0) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(old);
            }
        }
    }

    /** A masked client frame. */
    static byte[] frame(boolean fin, int opcode, byte[] payload) {
        return frame(fin, opcode, payload, true);
    }

    static byte[] frame(boolean fin, int opcode, byte[] payload, boolean masked) {
        return frame(fin, 0, opcode, payload, masked);
    }

    /** A frame with reserved bits {@code rsv} (4 is RSV1: compressed, with permessage-deflate). */
    static byte[] frame(boolean fin, int rsv, int opcode, byte[] payload, boolean masked) {
        return RawFrames.encode(fin, rsv, opcode, payload, masked ? RawFrames.KEY : null);
    }

    /** A masked header only, declaring {@code length} bytes (the 64-bit form). */
    static byte[] header64(int opcode, long length) {
        return RawFrames.header(RawFrames.FIN | opcode, length, RawFrames.KEY);
    }

    /** Closes with a reset (SO_LINGER 0): an abrupt disconnect. */
    void abort() {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // closing anyway
        }
        close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // best effort
        }
    }
}
