package io.fastwebsockets.bench;

import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.internal.deflate.MessageDeflater;
import io.fastwebsockets.internal.deflate.MessageInflater;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * permessage-deflate: compressing and inflating one unfragmented message of {@code size} bytes per operation, at
 * level 6 (both sides' default), with context takeover on or off. One operation = one message; bytes/s = ops/s x
 * size (of the uncompressed message). Eight different messages of the same kind are used in turn, so that with
 * context takeover a message is not compressed against an identical copy of itself.
 *
 * <ul>
 *   <li>{@code data=text}: JSON-like text ({@link BenchData#textLike}), about 3-4x compressible; {@code random}:
 *       random bytes, incompressible.</li>
 *   <li>{@code oursCompress}: {@link MessageDeflater#deflate} of the message as one fin frame, then {@code trim()}
 *       (what the connection does per frame). {@code oursInflate}: {@link MessageInflater#inflate} of the message
 *       compressed on its own (a fresh Deflater, sync flush, tail removed), limit = its size, then {@code trim()}.
 *       Without context takeover each message borrows zlib state from the shared pool and gives it back.</li>
 *   <li>{@code nettyCompress} / {@code nettyInflate}: Netty's permessage-deflate codec as its
 *       {@code WebSocketServerCompressionHandler} sets it up: {@code PerMessageDeflateServerExtensionHandshaker}
 *       (level 6, window 15) accepting an offer with (takeover off) or without (on) both
 *       {@code *_no_context_takeover} parameters, its extension's encoder and decoder each in an
 *       {@link EmbeddedChannel}; per op a {@code BinaryWebSocketFrame} over a retained duplicate of the message goes
 *       in, the compressed (or inflated) frame comes out and is released.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DeflateBench {
    private static final int MESSAGES = 8;

    @Param({"1024", "16384", "1048576"})
    public int size;

    @Param({"text", "random"})
    public String data;

    @Param({"true", "false"})
    public boolean takeover;

    private ByteBuffer[] plain;
    private ByteBuffer[] compressed;
    private int next;
    private MessageDeflater deflater;
    private MessageInflater inflater;

    private ByteBuf[] nettyPlain;
    private ByteBuf[] nettyCompressed;
    private EmbeddedChannel nettyEncoder;
    private EmbeddedChannel nettyDecoder;

    @Setup
    public void setup() throws Exception {
        plain = new ByteBuffer[MESSAGES];
        compressed = new ByteBuffer[MESSAGES];
        nettyPlain = new ByteBuf[MESSAGES];
        nettyCompressed = new ByteBuf[MESSAGES];
        long compressedBytes = 0;
        for (int i = 0; i < MESSAGES; i++) {
            byte[] p = data.equals("text") ? BenchData.textLike(size, 100 + i) : randomBytes(size, 100 + i);
            byte[] c = compressAlone(p);
            compressedBytes += c.length;
            plain[i] = ByteBuffer.wrap(p);
            compressed[i] = ByteBuffer.wrap(c);
            nettyPlain[i] = Unpooled.wrappedBuffer(p.clone());
            nettyCompressed[i] = Unpooled.wrappedBuffer(c.clone());
        }
        deflater = new MessageDeflater(6, !takeover);
        inflater = new MessageInflater(!takeover);

        Map<String, String> params = new HashMap<>();
        if (!takeover) {
            params.put("server_no_context_takeover", null);
            params.put("client_no_context_takeover", null);
        }
        WebSocketServerExtension ext = new PerMessageDeflateServerExtensionHandshaker(6, false, 15, true, false)
                .handshakeExtension(new WebSocketExtensionData("permessage-deflate", params));
        nettyEncoder = new EmbeddedChannel(ext.newExtensionEncoder());
        nettyDecoder = new EmbeddedChannel(ext.newExtensionDecoder());

        // Both sides give back what went in.
        for (int i = 0; i < MESSAGES; i++) {
            ByteBuffer back = inflater.inflate(compressed[i].duplicate(), true, size);
            check(plain[i], back, "ours");
            nettyDecoder.writeInbound(new BinaryWebSocketFrame(true, WebSocketExtension.RSV1,
                    nettyCompressed[i].retainedDuplicate()));
            WebSocketFrame f = nettyDecoder.readInbound();
            check(plain[i], f.content().nioBuffer(), "Netty");
            f.release();
        }
        System.out.printf("%n[DeflateBench] %s %d B: standalone compressed size %.1f%% of the message%n", data, size,
                100.0 * compressedBytes / (MESSAGES * (double) size));
    }

    private static void check(ByteBuffer expected, ByteBuffer got, String who) {
        if (!expected.duplicate().equals(got)) {
            throw new AssertionError(who + " did not inflate the message back");
        }
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] compressAlone(byte[] p) {
        Deflater d = new Deflater(6, true);
        try {
            d.setInput(p);
            byte[] out = new byte[p.length + p.length / 8 + 64];
            int n = d.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
            if (!d.needsInput() || n == out.length) {
                throw new AssertionError("output buffer too small");
            }
            return Arrays.copyOf(out, n - 4);
        } finally {
            d.end();
        }
    }

    @TearDown
    public void tearDown() {
        deflater.release();
        inflater.release();
        for (int i = 0; i < MESSAGES; i++) {
            nettyPlain[i].release();
            nettyCompressed[i].release();
        }
        nettyEncoder.finishAndReleaseAll();
        nettyDecoder.finishAndReleaseAll();
    }

    @Benchmark
    public int oursCompress() {
        ByteBuffer out = deflater.deflate(plain[next++ & (MESSAGES - 1)], true);
        int n = out.remaining();
        deflater.trim();
        return n;
    }

    @Benchmark
    public int oursInflate() throws WebSocketException {
        ByteBuffer in = compressed[next++ & (MESSAGES - 1)];
        in.position(0);
        ByteBuffer out = inflater.inflate(in, true, size);
        int n = out.remaining();
        inflater.trim();
        return n;
    }

    @Benchmark
    public int nettyCompress() {
        ByteBuf p = nettyPlain[next++ & (MESSAGES - 1)];
        nettyEncoder.writeOutbound(new BinaryWebSocketFrame(true, 0, p.retainedDuplicate()));
        WebSocketFrame f = nettyEncoder.readOutbound();
        int n = f.content().readableBytes();
        f.release();
        return n;
    }

    @Benchmark
    public int nettyInflate() {
        ByteBuf c = nettyCompressed[next++ & (MESSAGES - 1)];
        nettyDecoder.writeInbound(new BinaryWebSocketFrame(true, WebSocketExtension.RSV1, c.retainedDuplicate()));
        WebSocketFrame f = nettyDecoder.readInbound();
        int n = f.content().readableBytes();
        f.release();
        return n;
    }
}
