package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.testkit.RawFrames;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

/**
 * The other end of a loopback TCP connection whose near end is one of our {@link WebSocket}s. It writes hand-made
 * frame bytes (masked when it plays the client, or as told) and reads and decodes, with its own independent
 * decoder, exactly what our WebSocket put on the wire, so tests can assert the frames, codes and mask bits sent,
 * and that our side then closed the socket (a read returns -1).
 *
 * <p>Reads are bounded by a socket timeout (a hang guard, not a timing assertion).
 */
final class RawPeer implements AutoCloseable {
    static final int OP_CONTINUATION = 0x0;
    static final int OP_TEXT = 0x1;
    static final int OP_BINARY = 0x2;
    static final int OP_CLOSE = 0x8;
    static final int OP_PING = 0x9;
    static final int OP_PONG = 0xA;

    private static final int READ_TIMEOUT_MS = 15_000;

    /** The near end's role; the raw peer plays the other one. */
    final Role wsRole;
    /** The channel under our WebSocket. */
    final SocketChannel wsChannel;
    /** The raw peer's channel. */
    final SocketChannel channel;
    /** Our WebSocket. */
    final WebSocket ws;

    private final DataInputStream in;
    private final Random random = new Random(0x5EED);

    private RawPeer(Role wsRole, SocketChannel wsChannel, SocketChannel channel, WebSocket ws) throws IOException {
        this.wsRole = wsRole;
        this.wsChannel = wsChannel;
        this.channel = channel;
        this.ws = ws;
        channel.socket().setSoTimeout(READ_TIMEOUT_MS);
        channel.socket().setTcpNoDelay(true);
        InputStream raw = channel.socket().getInputStream();
        this.in = new DataInputStream(raw);
    }

    /** Opens a loopback pair; our WebSocket plays {@code wsRole}. */
    static RawPeer open(Role wsRole) throws IOException {
        return open(wsRole, null);
    }

    /** Opens a loopback pair; our WebSocket plays {@code wsRole} and is given {@code alreadyRead}. */
    static RawPeer open(Role wsRole, ByteBuffer alreadyRead) throws IOException {
        SocketChannel[] pair = socketPair();
        // pair[0] is the connecting (client) end, pair[1] the accepted (server) end.
        SocketChannel wsChannel = wsRole == Role.SERVER ? pair[1] : pair[0];
        SocketChannel peerChannel = wsRole == Role.SERVER ? pair[0] : pair[1];
        WebSocket ws = WebSocket.afterHandshake(wsChannel, wsRole, alreadyRead);
        if (wsRole == Role.CLIENT) {
            // A failing client waits up to the close timeout for the server to close TCP first, and this raw peer
            // never does: keep that wait short (tests about the close timeout set their own).
            ws.setCloseTimeout(java.time.Duration.ofSeconds(1));
        }
        return new RawPeer(wsRole, wsChannel, peerChannel, ws);
    }

    /** A connected loopback pair: [0] opened the connection, [1] was accepted. */
    static SocketChannel[] socketPair() throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel client = SocketChannel.open(listener.getLocalAddress());
            SocketChannel server = listener.accept();
            return new SocketChannel[] {client, server};
        }
    }

    /** Whether the raw peer masks what it sends (it plays the client). */
    boolean masks() {
        return wsRole == Role.SERVER;
    }

    // ------------------------------------------------------------------------------------------- building frames

    /** A frame as this peer's role should send it (masked iff the peer is the client). */
    byte[] frame(boolean fin, int opcode, byte[] payload) {
        return frame(fin, 0, opcode, payload);
    }

    byte[] frame(boolean fin, int rsv, int opcode, byte[] payload) {
        return encode(fin, rsv, opcode, payload, masks() ? randomKey() : null);
    }

    byte[] text(String s) {
        return frame(true, OP_TEXT, utf8(s));
    }

    byte[] binary(byte[] b) {
        return frame(true, OP_BINARY, b);
    }

    byte[] ping(byte[] b) {
        return frame(true, OP_PING, b);
    }

    byte[] closeFrame(int code, String reason) {
        return frame(true, OP_CLOSE, closePayload(code, reason));
    }

    byte[] emptyClose() {
        return frame(true, OP_CLOSE, new byte[0]);
    }

    byte[] randomKey() {
        byte[] k = new byte[4];
        do {
            random.nextBytes(k);
        } while (k[0] == 0 && k[1] == 0 && k[2] == 0 && k[3] == 0);
        return k;
    }

    static byte[] closePayload(int code, String reason) {
        return RawFrames.closePayload(code, reason);
    }

    /** Encodes a frame by hand (the test kit's builder), lengths in their shortest form; {@code key == null}: unmasked. */
    static byte[] encode(boolean fin, int rsv, int opcode, byte[] payload, byte[] key) {
        return RawFrames.encode(fin, rsv, opcode, payload, key);
    }

    /** Like {@link #encode(boolean, int, int, byte[], byte[])} but declaring {@code declaredLength}. */
    static byte[] encode(boolean fin, int rsv, int opcode, byte[] payload, byte[] key, long declaredLength) {
        return RawFrames.encode(fin, rsv, opcode, payload, key, declaredLength);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        return RawFrames.concat(parts);
    }

    // ------------------------------------------------------------------------------------------------- sending

    /** Writes all the parts in one write call (so they usually arrive in one segment). */
    void send(byte[]... parts) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(concat(parts));
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** Half-closes: our side reads end of stream, the peer can still read what our side sends. */
    void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    // ----------------------------------------------------------------------------------------------- receiving

    /** One frame as it was on the wire; the payload is unmasked. */
    record WireFrame(boolean fin, int rsv, int opcode, boolean masked, byte[] maskKey, byte[] payload) {
        int closeCode() {
            assertEquals(OP_CLOSE, opcode, "not a Close frame: " + this);
            assertTrue(payload.length >= 2, "Close frame without a code");
            return (payload[0] & 0xFF) << 8 | payload[1] & 0xFF;
        }

        String closeReason() {
            return new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "WireFrame[op=" + opcode + ", fin=" + fin + ", rsv=" + rsv + ", masked=" + masked + ", "
                    + payload.length + " bytes]";
        }
    }

    /**
     * Reads and decodes the next frame our WebSocket sent, asserting the masking direction RFC 6455 requires of
     * its role (a client masks every frame, a server none).
     */
    WireFrame readFrame() throws IOException {
        WireFrame f = readFrameAsIs();
        if (wsRole == Role.CLIENT) {
            assertTrue(f.masked(), "a client-role WebSocket sent an unmasked frame: " + f);
        } else {
            assertTrue(!f.masked(), "a server-role WebSocket sent a masked frame: " + f);
        }
        return f;
    }

    /** Reads the next frame without checking its mask bit. */
    WireFrame readFrameAsIs() throws IOException {
        RawFrames.RawFrame f = RawFrames.read(in, Integer.MAX_VALUE - 8);
        return new WireFrame(f.fin(), f.rsv(), f.opcode(), f.masked(), f.maskKey(), f.payload());
    }

    /** Reads the next frame and asserts it is a Close carrying {@code code}. */
    WireFrame expectClose(int code) throws IOException {
        WireFrame f = readFrame();
        assertEquals(OP_CLOSE, f.opcode(), "expected a Close frame, got " + f);
        assertEquals(code, f.closeCode(), "close code sent by our WebSocket");
        return f;
    }

    /** Asserts that our side closed the connection: the next read is end of stream, with no bytes before it. */
    void expectEof() throws IOException {
        int b;
        try {
            b = in.read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("our WebSocket did not close the connection (no EOF within the guard)", e);
        } catch (SocketException e) {
            throw new AssertionError("expected an orderly close (FIN, read returns -1) but the connection was reset"
                    + " (RST): our side closed its socket with unread bytes still arriving (" + e.getMessage() + ")",
                    e);
        }
        assertEquals(-1, b, "expected end of stream, got a byte: our WebSocket sent more after it should stop");
    }

    /**
     * Asserts nothing arrives (no byte, no EOF) within {@code d}. Used only to show that something is <em>not</em>
     * sent or done; the bound is generous compared with loopback latency.
     */
    void expectSilenceFor(Duration d) throws IOException {
        channel.socket().setSoTimeout((int) d.toMillis());
        try {
            int b = in.read();
            fail(b < 0 ? "our WebSocket closed the connection when it should have kept it open"
                    : "our WebSocket sent a byte (0x" + Integer.toHexString(b) + ") when it should be silent");
        } catch (SocketTimeoutException expected) {
            // nothing arrived: as it should be
        } finally {
            channel.socket().setSoTimeout(READ_TIMEOUT_MS);
        }
    }

    /** Reads exactly {@code n} raw bytes. */
    byte[] readBytes(int n) throws IOException {
        byte[] b = new byte[n];
        try {
            in.readFully(b);
        } catch (EOFException e) {
            throw new AssertionError("connection closed after " + Arrays.toString(b), e);
        }
        return b;
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            wsChannel.close();
        }
    }
}
