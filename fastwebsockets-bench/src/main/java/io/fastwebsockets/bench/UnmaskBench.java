package io.fastwebsockets.bench;

import io.fastwebsockets.internal.codec.Masking;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
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

/**
 * XOR unmasking of one payload of {@code size} bytes, in place. One operation = one payload; bytes/s = ops/s x size.
 *
 * <ul>
 *   <li>{@code oursHeap}: {@code Masking.apply(byte[], 0, size, key, 0)} on a heap array.</li>
 *   <li>{@code oursDirect}: {@code Masking.apply(ByteBuffer, 0, size, key, 0)} on a direct buffer.</li>
 *   <li>{@code nettyHeap} / {@code nettyDirect}: Netty's own {@code WebSocket08FrameDecoder.unmask(ByteBuf)} (a
 *       private method, called through a {@link MethodHandle} held in a static final field so the JIT inlines it;
 *       the decoder's {@code mask} field is set once to the same key). It unmasks the buffer from reader index to
 *       writer index: on an unpooled heap buffer ({@code Unpooled.wrappedBuffer(byte[])}) and on an unpooled direct
 *       buffer. This is Netty's code, not a re-implementation of it.</li>
 * </ul>
 * Both sides XOR the same bytes with the same non-zero key; neither allocates.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class UnmaskBench {
    private static final MethodHandle NETTY_UNMASK;
    private static final VarHandle NETTY_MASK_FIELD;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(WebSocket08FrameDecoder.class,
                    MethodHandles.lookup());
            NETTY_UNMASK = l.findVirtual(WebSocket08FrameDecoder.class, "unmask",
                    MethodType.methodType(void.class, ByteBuf.class));
            NETTY_MASK_FIELD = l.findVarHandle(WebSocket08FrameDecoder.class, "mask", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Param({"1024", "16384"})
    public int size;

    private byte[] heap;
    private ByteBuffer direct;
    private ByteBuf nettyHeap;
    private ByteBuf nettyDirect;
    private WebSocket08FrameDecoder nettyDecoder;

    @Setup
    public void setup() {
        heap = BenchData.randomBytes(size);
        direct = ByteBuffer.allocateDirect(size);
        direct.put(0, heap);
        nettyHeap = Unpooled.wrappedBuffer(heap.clone());
        nettyDirect = Unpooled.directBuffer(size).writeBytes(heap);
        nettyDecoder = new WebSocket08FrameDecoder(WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(true).allowExtensions(false).maxFramePayloadLength(Integer.MAX_VALUE).build());
        NETTY_MASK_FIELD.set(nettyDecoder, BenchData.MASK_KEY);
    }

    @TearDown
    public void tearDown() {
        nettyHeap.release();
        nettyDirect.release();
    }

    @Benchmark
    public byte[] oursHeap() {
        Masking.apply(heap, 0, heap.length, BenchData.MASK_KEY, 0);
        return heap;
    }

    @Benchmark
    public ByteBuffer oursDirect() {
        Masking.apply(direct, 0, size, BenchData.MASK_KEY, 0);
        return direct;
    }

    @Benchmark
    public ByteBuf nettyHeap() throws Throwable {
        NETTY_UNMASK.invokeExact(nettyDecoder, nettyHeap);
        return nettyHeap;
    }

    @Benchmark
    public ByteBuf nettyDirect() throws Throwable {
        NETTY_UNMASK.invokeExact(nettyDecoder, nettyDirect);
        return nettyDirect;
    }
}
