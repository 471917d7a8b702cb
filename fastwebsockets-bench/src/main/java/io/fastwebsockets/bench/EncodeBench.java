package io.fastwebsockets.bench;

import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.internal.codec.FrameEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Server-side encoding (unmasked) of one final BINARY frame of {@code size} bytes. One operation = one frame;
 * bytes/s = ops/s x size.
 *
 * <ul>
 *   <li>{@code ours}: {@code FrameEncoder.encode} of the whole frame (header + payload copied) into a reused direct
 *       buffer (the write buffer toward the socket). The payload is a heap {@code ByteBuffer}.</li>
 *   <li>{@code oursHeaderOnly}: {@code FrameEncoder.encodeHeader} alone into the reused direct buffer: what
 *       {@code WebSocket.writeFrame} does for payloads of at least {@code writevThreshold} (default 1024 bytes)
 *       with writev on (the default), leaving the payload to a gathering write. This is the like-for-like peer of
 *       Netty for 1 KiB and 16 KiB, where Netty also does not copy the payload.</li>
 *   <li>{@code netty}: Netty's {@code WebSocket08FrameEncoder(maskPayload=false)}, its protected
 *       {@code encode(ctx, frame, out)} called directly (via a subclass, no pipeline; {@code ctx} from an
 *       {@link EmbeddedChannel}, used for {@code ctx.alloc()}, the pooled allocator), on one
 *       {@code BinaryWebSocketFrame} made in setup, its reader index reset each time: the encoder alone, like
 *       {@code ours}, which also gets a payload made once. Netty allocates a header buffer from the pool; below its
 *       gathering threshold (1024) it copies the payload into that buffer, at or above it emits header + retained
 *       payload as two buffers. The output buffers are then released (the pipeline would do that).</li>
 *   <li>{@code nettyNewFrame}: as {@code netty}, plus what a Netty application allocates per frame to call it: a
 *       {@code BinaryWebSocketFrame} over a retained duplicate of the payload {@code ByteBuf}. Compare it with
 *       {@code oursNewFrame}, which adds ours' per-frame object, a {@link Frame} over the payload.</li>
 * </ul>
 * Rows to compare: {@code ours} with {@code netty} (encoder alone), {@code oursNewFrame} with {@code nettyNewFrame}
 * (encoder plus the application's frame object), {@code oursHeaderOnly} with {@code netty} from 1024 bytes (neither
 * copies the payload there).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EncodeBench {
    @Param({"20", "1024", "16384"})
    public int size;

    private ByteBuffer payload;
    private ByteBuffer dst;

    private ExposedNettyEncoder nettyEncoder;
    private EmbeddedChannel channel;
    private ChannelHandlerContext ctx;
    private ByteBuf nettyPayload;
    private WebSocketFrame nettyFrame; // made once, for the encoder-alone row
    private final List<Object> out = new ArrayList<>(2);

    /** Exposes the protected encode step, so the benchmark measures the encoder and not the pipeline. */
    static final class ExposedNettyEncoder extends WebSocket08FrameEncoder {
        ExposedNettyEncoder() {
            super(false);
        }

        void encodeOne(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) throws Exception {
            encode(ctx, frame, out);
        }
    }

    @Setup
    public void setup() {
        byte[] p = BenchData.randomBytes(size);
        payload = ByteBuffer.wrap(p);
        dst = ByteBuffer.allocateDirect(size + 14);
        nettyPayload = Unpooled.wrappedBuffer(p.clone());
        nettyFrame = new BinaryWebSocketFrame(Unpooled.wrappedBuffer(p.clone()));
        nettyEncoder = new ExposedNettyEncoder();
        channel = new EmbeddedChannel(nettyEncoder);
        ctx = channel.pipeline().context(nettyEncoder);
    }

    @TearDown
    public void tearDown() {
        nettyPayload.release();
        nettyFrame.release();
        channel.finishAndReleaseAll();
    }

    @Benchmark
    public int ours() {
        ByteBuffer d = dst;
        d.clear();
        FrameEncoder.encode(d, true, 0, OpCode.BINARY, payload, false, 0);
        return d.position();
    }

    @Benchmark
    public int oursHeaderOnly() {
        return FrameEncoder.encodeHeader(dst, 0, true, 0, OpCode.BINARY, size, false, 0);
    }

    @Benchmark
    public int oursNewFrame() {
        Frame f = new Frame(true, OpCode.BINARY, null, payload);
        ByteBuffer d = dst;
        d.clear();
        FrameEncoder.encode(d, f.fin(), f.rsv(), f.opcode(), f.payload(), false, 0);
        return d.position();
    }

    @Benchmark
    public void netty(Blackhole bh) throws Exception {
        WebSocketFrame frame = nettyFrame;
        frame.content().readerIndex(0); // below 1024 bytes the encoder copies the payload and consumes it
        encodeNetty(frame, bh);
    }

    @Benchmark
    public void nettyNewFrame(Blackhole bh) throws Exception {
        WebSocketFrame frame = new BinaryWebSocketFrame(nettyPayload.retainedDuplicate());
        encodeNetty(frame, bh);
        frame.release();
    }

    /** @return the reused buffer {@link #ours} encodes into (for the checks in the tests) */
    ByteBuffer dst() {
        return dst;
    }

    /**
     * The bytes the {@code netty} row's encode step produces for its reused frame (for the checks in the tests).
     *
     * @return header and payload, concatenated
     * @throws Exception if Netty's encoder fails
     */
    byte[] nettyBytes() throws Exception {
        WebSocketFrame frame = nettyFrame;
        frame.content().readerIndex(0);
        List<Object> o = out;
        nettyEncoder.encodeOne(ctx, frame, o);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (Object b : o) {
            ByteBuf buf = (ByteBuf) b;
            byte[] part = new byte[buf.readableBytes()];
            buf.getBytes(buf.readerIndex(), part);
            bytes.write(part);
            ReferenceCountUtil.release(b);
        }
        o.clear();
        return bytes.toByteArray();
    }

    private void encodeNetty(WebSocketFrame frame, Blackhole bh) throws Exception {
        List<Object> o = out;
        nettyEncoder.encodeOne(ctx, frame, o);
        for (int i = 0, n = o.size(); i < n; i++) {
            Object b = o.get(i);
            bh.consume(b);
            ReferenceCountUtil.release(b);
        }
        o.clear();
    }
}
