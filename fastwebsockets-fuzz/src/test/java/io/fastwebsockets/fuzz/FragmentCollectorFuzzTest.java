package io.fastwebsockets.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fastwebsockets.ConnectionClosedException;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.fuzz.RefParser.F;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link FragmentCollector} over a {@link WebSocket} on in-memory streams, fed any bytes in any read sizes. Input
 * layout: byte 0 chooses the role (bit 0: server) and the message limit (bits 1-2); byte 1 the largest read; the
 * rest is what the peer sends, then the peer hangs up.
 *
 * <p>Checked against {@link RefParser}: the messages (fragments joined) and control frames returned, then the
 * outcome: a {@link WebSocketException} with the reference's close code, a clean or truncated end of stream, or
 * the end after a Close. What the connection wrote back is decoded too: a Pong for each Ping, same payload, in
 * order, and the Close it sent last carries the failure's code (or echoes the peer's).
 */
class FragmentCollectorFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void readMessages(byte[] data) throws IOException {
        if (data.length < 2) {
            return;
        }
        boolean server = (data[0] & 1) != 0;
        long limit = FrameDecoderFuzzTest.LIMITS[(data[0] >> 1) & 3];
        int maxRead = 1 + (data[1] & 0xFF);
        byte[] wire = Arrays.copyOfRange(data, 2, data.length);
        RefParser.Result ref = RefParser.parse(wire, server, limit, true);

        // Expected: messages joined, control frames as they come.
        List<F> expected = new ArrayList<>();
        ByteArrayOutputStream joining = new ByteArrayOutputStream();
        OpCode joiningOp = null;
        for (F f : ref.frames()) {
            if (f.op().isControl()) {
                expected.add(f);
            } else if (f.op() != OpCode.CONTINUATION && f.fin()) {
                expected.add(f);
            } else {
                if (f.op() != OpCode.CONTINUATION) {
                    joiningOp = f.op();
                    joining.reset();
                }
                joining.writeBytes(f.payload());
                if (f.fin()) {
                    expected.add(new F(true, 0, joiningOp, joining.toByteArray()));
                }
            }
        }

        ByteArrayOutputStream written = new ByteArrayOutputStream();
        WebSocket ws = WebSocket.afterHandshake(new ChunkedInput(wire, maxRead), written,
                server ? Role.SERVER : Role.CLIENT);
        FragmentCollector messages = new FragmentCollector(ws);
        messages.setMaxMessageSize(limit);
        List<F> got = new ArrayList<>();
        IOException end = null;
        for (int i = 0; i <= wire.length; i++) { // at most one frame per 2 bytes; bounded anyway
            Frame f;
            try {
                f = messages.readFrame();
            } catch (IOException e) {
                end = e;
                break;
            } catch (RuntimeException e) {
                throw new AssertionError("readFrame threw " + e + " on " + FrameDecoderFuzzTest.hex(data), e);
            }
            assertTrue(f.opcode().isControl() || f.fin(), "the collector returns whole messages");
            got.add(new F(f.fin(), f.rsv(), f.opcode(), f.payloadBytes()));
            if (f.opcode() == OpCode.CLOSE) {
                break;
            }
        }
        assertEquals(expected, got, () -> "messages of " + FrameDecoderFuzzTest.hex(data));
        boolean closed = !got.isEmpty() && got.get(got.size() - 1).op() == OpCode.CLOSE;
        if (ref.failCode() != 0) {
            IOException e = end;
            assertTrue(e instanceof WebSocketException w && !(e instanceof ConnectionClosedException)
                    && w.closeCode() == ref.failCode(), () -> "expected failure " + ref.failCode() + ", got " + e);
        } else if (!closed) {
            IOException e = end;
            assertTrue(e instanceof ConnectionClosedException c && c.truncated() == ref.truncated(),
                    () -> "expected end of stream (truncated=" + ref.truncated() + "), got " + e);
        }
        assertTrue(ws.isClosed(), "the connection is closed at the end");
        checkReplies(written.toByteArray(), ref, server);
    }

    // What we sent: a Pong per Ping (same payload, in order), then at most one Close, last.
    private static void checkReplies(byte[] out, RefParser.Result ref, boolean server) {
        RefParser.Result sent = RefParser.parse(out, !server, Long.MAX_VALUE, false);
        assertEquals(0, sent.failCode(), "we sent a valid stream");
        assertTrue(!sent.truncated(), "we sent whole frames");
        List<F> pings = ref.frames().stream().filter(f -> f.op() == OpCode.PING).toList();
        List<F> pongs = sent.frames().stream().filter(f -> f.op() == OpCode.PONG).toList();
        assertEquals(pings.size(), pongs.size(), "one Pong per Ping");
        for (int i = 0; i < pings.size(); i++) {
            assertTrue(Arrays.equals(pings.get(i).payload(), pongs.get(i).payload()), "Pong echoes its Ping");
        }
        List<F> closes = sent.frames().stream().filter(f -> f.op() == OpCode.CLOSE).toList();
        F peerClose = ref.frames().isEmpty() ? null : ref.frames().get(ref.frames().size() - 1);
        if (ref.failCode() != 0) {
            assertEquals(1, closes.size(), "failing sends one Close");
            assertEquals(ref.failCode(), code(closes.get(0)), "with the failure's code");
        } else if (peerClose != null && peerClose.op() == OpCode.CLOSE) {
            assertEquals(1, closes.size(), "a Close is answered");
            byte[] echo = peerClose.payload().length >= 2 ? Arrays.copyOf(peerClose.payload(), 2) : new byte[0];
            assertTrue(Arrays.equals(echo, closes.get(0).payload()), "echoing the peer's code");
        } else {
            assertEquals(0, closes.size(), "no Close when the peer just hung up");
        }
        if (!closes.isEmpty()) {
            assertEquals(OpCode.CLOSE, sent.frames().get(sent.frames().size() - 1).op(), "nothing after Close");
        }
    }

    private static int code(F close) {
        byte[] p = close.payload();
        return p.length < 2 ? 1005 : ((p[0] & 0xFF) << 8) | (p[1] & 0xFF);
    }

    /** Hands out the bytes in reads of at most {@code maxRead}, then end of stream. */
    static final class ChunkedInput extends InputStream {
        private final byte[] data;
        private final int maxRead;
        private int pos;

        ChunkedInput(byte[] data, int maxRead) {
            this.data = data;
            this.maxRead = maxRead;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (pos >= data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, maxRead - (pos % maxRead)), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

}
