package io.fastwebsockets.bench;

import io.fastwebsockets.OpCode;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.internal.codec.FrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.NettyUtf8Access;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Server-side decoding of masked client frames: 64 identical-size final frames ({@code kind} TEXT with an ASCII
 * payload, or BINARY with random bytes; each frame with its own key) back to back in a receive buffer. One
 * operation = one frame ({@code @OperationsPerInvocation(64)}); bytes/s = ops/s x size.
 *
 * <p>Every invocation, on both sides, first copies the 64 pristine wire frames into the receive buffer with one
 * bulk copy. That stands for the socket read (which also writes the bytes into the buffer), and it is needed by
 * ours because it unmasks in place. {@code copyOnly} measures that copy alone, so it can be subtracted.
 *
 * <ul>
 *   <li>{@code oursDirect} / {@code oursHeap}: {@code FrameDecoder(Role.SERVER)} (all RFC checks on), calling
 *       {@code decode(ByteBuffer)} 64 times over a direct (what a {@code SocketChannel} connection reads into) or a
 *       heap buffer. Per frame it parses and checks the header, unmasks the payload in place and, for TEXT,
 *       validates UTF-8 (and that the message ends on a character boundary). The result is the payload's position
 *       and length in the receive buffer: a zero-copy view, nothing allocated.</li>
 *   <li>{@code netty}: Netty's {@code WebSocket08FrameDecoder} (expectMaskedFrames=true, allowExtensions=false,
 *       maxFramePayloadLength=Integer.MAX_VALUE), its protected {@code decode(ctx, in, out)} called directly (via a
 *       subclass, no pipeline in between) 64 times over a pooled direct {@code ByteBuf} (what Netty's socket reads
 *       fill); the {@code ctx} is the decoder's context in an {@link EmbeddedChannel}, used by Netty for
 *       {@code ctx.alloc()} (the pooled allocator). Per frame Netty parses and checks the header, allocates a
 *       payload buffer from the pool and copies the payload into it, unmasks that copy, and wraps it in a
 *       {@code TextWebSocketFrame}/{@code BinaryWebSocketFrame}. Netty's decoder does not validate UTF-8 (its
 *       separate {@code Utf8FrameValidator} handler does), so for TEXT the benchmark also runs Netty's
 *       {@code Utf8Validator} over the frame ({@code check} + {@code finish}, as that handler does) to do the same
 *       work as ours. Each frame is then released.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DecodeBench {
    public static final int FRAMES = 64;

    @Param({"20", "1024", "16384"})
    public int size;

    @Param({"TEXT", "BINARY"})
    public String kind;

    private byte[] wire;
    byte[] payload; // what every frame must decode to
    private boolean text;
    private ByteBuffer heapBuf;
    private ByteBuffer directBuf;
    private FrameDecoder oursDecoder;

    private ExposedNettyDecoder nettyDecoder;
    private EmbeddedChannel channel;
    private ChannelHandlerContext ctx;
    private ByteBuf nettyIn;
    private final List<Object> out = new ArrayList<>(2);
    private final NettyUtf8Access nettyUtf8 = new NettyUtf8Access();

    /** Exposes the protected decode step, so the benchmark measures the decoder and not the pipeline. */
    static final class ExposedNettyDecoder extends WebSocket08FrameDecoder {
        ExposedNettyDecoder() {
            super(WebSocketDecoderConfig.newBuilder().expectMaskedFrames(true).allowExtensions(false)
                    .allowMaskMismatch(false).maxFramePayloadLength(Integer.MAX_VALUE).build());
        }

        void decodeOne(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            decode(ctx, in, out);
        }
    }

    @Setup
    public void setup() throws Exception {
        text = kind.equals("TEXT");
        payload = text ? BenchData.ascii(size) : BenchData.randomBytes(size);
        wire = BenchData.maskedFrames(text ? OpCode.TEXT : OpCode.BINARY, payload, FRAMES);
        heapBuf = ByteBuffer.allocate(wire.length);
        directBuf = ByteBuffer.allocateDirect(wire.length);
        oursDecoder = new FrameDecoder(Role.SERVER);
        oursDecoder.setMaxMessageSize(FrameDecoder.MAX_SUPPORTED_MESSAGE_SIZE);

        nettyDecoder = new ExposedNettyDecoder();
        channel = new EmbeddedChannel(nettyDecoder);
        ctx = channel.pipeline().context(nettyDecoder);
        nettyIn = PooledByteBufAllocator.DEFAULT.directBuffer(wire.length);

        verify();
    }

    /**
     * Both sides must see 64 frames with the expected payload, byte for byte (checked once per trial, outside the
     * measured loops).
     *
     * @throws Exception if a decoder returned something else
     */
    void verify() throws Exception {
        Blackhole bh = new Blackhole(
                "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        decodeOurs(directBuf, bh, true);
        decodeOurs(heapBuf, bh, true);
        decodeNetty(bh, true);
        bh.evaporate("Yes, I am Stephen Hawking, and know a thing or two about black holes.");
    }

    @TearDown
    public void tearDown() {
        nettyIn.release();
        channel.finishAndReleaseAll();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void copyOnly(Blackhole bh) {
        directBuf.clear();
        directBuf.put(0, wire);
        bh.consume(directBuf);
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void oursDirect(Blackhole bh) throws WebSocketException {
        decodeOurs(directBuf, bh, false);
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void oursHeap(Blackhole bh) throws WebSocketException {
        decodeOurs(heapBuf, bh, false);
    }

    private void decodeOurs(ByteBuffer buf, Blackhole bh, boolean verify) throws WebSocketException {
        buf.clear();
        buf.put(0, wire);
        buf.limit(wire.length);
        FrameDecoder d = oursDecoder;
        for (int i = 0; i < FRAMES; i++) {
            if (!d.decode(buf)) {
                throw new AssertionError("incomplete frame");
            }
            if (d.payloadLength() != size) {
                throw new AssertionError("payload length " + d.payloadLength());
            }
            if (verify) {
                byte[] got = new byte[size];
                buf.get(d.payloadStart(), got);
                if (d.payloadStillMasked() || !Arrays.equals(got, payload)) {
                    throw new AssertionError("ours: frame " + i + " decoded to other bytes");
                }
            }
            bh.consume(d.payloadStart());
        }
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void netty(Blackhole bh) throws Exception {
        decodeNetty(bh, false);
    }

    private void decodeNetty(Blackhole bh, boolean verify) throws Exception {
        ByteBuf in = nettyIn;
        in.clear();
        in.writeBytes(wire);
        List<Object> o = out;
        for (int i = 0; i < FRAMES; i++) {
            nettyDecoder.decodeOne(ctx, in, o);
            WebSocketFrame f = (WebSocketFrame) o.get(0);
            o.clear();
            ByteBuf content = f.content();
            if (content.readableBytes() != size) {
                throw new AssertionError("payload length " + content.readableBytes());
            }
            if (verify) {
                byte[] got = new byte[size];
                content.getBytes(content.readerIndex(), got);
                if (!Arrays.equals(got, payload)) {
                    throw new AssertionError("netty: frame " + i + " decoded to other bytes");
                }
            }
            if (text) {
                nettyUtf8.checkWholeMessage(content);
            }
            bh.consume(content);
            f.release();
        }
    }
}
