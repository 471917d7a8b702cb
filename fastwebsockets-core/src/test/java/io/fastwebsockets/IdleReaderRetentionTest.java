package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.internal.GrownBufferPool;
import io.fastwebsockets.testkit.RawFrames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A connection waiting for its next frame keeps nothing of the last one: after a large message (its payload in a
 * grown heap read buffer, or, compressed, in the inflater's grown output buffer) has been handed out and the reader
 * has gone back to {@code readFrame()}, that buffer can be collected while the reader waits. An idle connection
 * must not pin the last message's memory (issue 6: "no buffer of the last message is kept alive between
 * messages"). A buffer given back to the process-wide pool of grown buffers is not the connection's: the test empties
 * the pool before it looks.
 */
class IdleReaderRetentionTest {
    private static final int SIZE = 256 * 1024;

    @ParameterizedTest(name = "compressed={0}")
    @ValueSource(booleans = {false, true})
    void theLastLargePayloadCanBeCollectedWhileTheReaderWaits(boolean compressed) throws Exception {
        byte[] text = "an idle connection keeps nothing of its last message. ".repeat(SIZE / 54 + 1)
                .substring(0, SIZE).getBytes(StandardCharsets.US_ASCII);
        byte[] frame = compressed ? serverFrame(0x40 | 2, deflate(text)) : serverFrame(2, text);
        BlockingAfter in = new BlockingAfter(frame);
        WebSocket ws = WebSocket.afterHandshake(in, new ByteArrayOutputStream(), Role.CLIENT);
        if (compressed) {
            ws.enablePerMessageDeflate(new PerMessageDeflate.Agreement(PerMessageDeflate.defaults(), false, false,
                    0, 0));
        }
        Frame f = ws.readFrame();
        assertEquals(SIZE, f.payload().remaining());
        assertEquals(compressed ? 4 : 0, f.rsv());
        WeakReference<ByteBuffer> last = new WeakReference<>(f.payload());
        f = null;

        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                ws.readFrame();
            } catch (IOException expected) {
                // the stream ends when released
            }
        });
        try {
            assertTrue(in.blocked.await(10, TimeUnit.SECONDS), "the reader is waiting for the next frame");
            // The process-wide pool of grown buffers (bounded, shared by every connection) may hold the buffer: the
            // compressed payload is the inflater's pooled output buffer itself, given back when the reader went back
            // to waiting. That is not the connection keeping it: empty the pool, so that only a reference from the
            // connection could keep it reachable.
            GrownBufferPool.takeAll();
            for (int i = 0; i < 50 && last.get() != null; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertNull(last.get(), "the last payload's buffer is still reachable while the reader waits");
        } finally {
            in.release.countDown();
            reader.join(10_000);
        }
    }

    private static byte[] deflate(byte[] plain) {
        Deflater d = new Deflater(6, true);
        try {
            d.setInput(plain);
            byte[] out = new byte[plain.length + 1024];
            int n = d.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
            assertTrue(d.needsInput() && n < out.length);
            return Arrays.copyOf(out, n - 4);
        } finally {
            d.end();
        }
    }

    // An unmasked final frame with the given first byte's RSV/opcode bits.
    private static byte[] serverFrame(int rsvAndOpcode, byte[] payload) {
        return RawFrames.serverFrame(0x80 | rsvAndOpcode, payload);
    }

    /** Serves the bytes, then blocks the reader until released, then ends the stream. */
    static final class BlockingAfter extends InputStream {
        final CountDownLatch blocked = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final byte[] data;
        private int pos;

        BlockingAfter(byte[] data) {
            this.data = data;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (pos < data.length) {
                int n = Math.min(len, data.length - pos);
                System.arraycopy(data, pos, b, off, n);
                pos += n;
                return n;
            }
            blocked.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return -1;
        }
    }
}
