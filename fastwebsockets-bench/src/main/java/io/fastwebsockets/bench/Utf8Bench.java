package io.fastwebsockets.bench;

import io.fastwebsockets.internal.codec.Utf8Validator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.NettyUtf8Access;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Validating one whole 16 KiB text message as UTF-8. One operation = one message; bytes/s = ops/s x 16384.
 * {@code text=ASCII}: printable ASCII only. {@code text=MIXED}: ~30% of the bytes in 2-, 3- and 4-byte characters
 * placed at random (see {@link BenchData#mixedUtf8}).
 *
 * <ul>
 *   <li>{@code ours}: {@code Utf8Validator.validate(byte[], 0, n)} then {@code isComplete()} on a reused validator
 *       (reset per message), over a heap array.</li>
 *   <li>{@code netty}: Netty's own {@code io.netty.handler.codec.http.websocketx.Utf8Validator} (package-private in
 *       4.2.18; reached through the tiny {@code NettyUtf8Access} shim compiled into Netty's package in this jar, no
 *       reflection): {@code check(ByteBuf)} then {@code finish()}, exactly what Netty's {@code Utf8FrameValidator}
 *       handler runs for a final text frame. Its input is an unpooled heap {@code ByteBuf} over the same bytes.</li>
 *   <li>{@code jdkDecoder} (a third reference, not Netty): a reused JDK {@code CharsetDecoder} for UTF-8 with
 *       {@code REPORT} on malformed/unmappable input, decoding into a reused {@code CharBuffer}. It does more work
 *       than validation (it produces chars), so it is context, not a like-for-like peer.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Utf8Bench {
    public static final int SIZE = 16384;

    @Param({"ASCII", "MIXED"})
    public String text;

    private byte[] bytes;
    private final Utf8Validator ours = new Utf8Validator();
    private ByteBuf nettyBuf;
    private final NettyUtf8Access netty = new NettyUtf8Access();
    private ByteBuffer jdkIn;
    private CharBuffer jdkOut;
    private final CharsetDecoder jdk = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    @Setup
    public void setup() {
        bytes = text.equals("ASCII") ? BenchData.ascii(SIZE) : BenchData.mixedUtf8(SIZE);
        nettyBuf = Unpooled.wrappedBuffer(bytes);
        jdkIn = ByteBuffer.wrap(bytes);
        jdkOut = CharBuffer.allocate(SIZE);
        if (!ours() || !jdkDecoder()) {
            throw new AssertionError("input is not valid UTF-8");
        }
        netty();
    }

    @Benchmark
    public boolean ours() {
        ours.reset();
        return ours.validate(bytes, 0, bytes.length) < 0 && ours.isComplete();
    }

    @Benchmark
    public ByteBuf netty() {
        netty.checkWholeMessage(nettyBuf); // throws CorruptedWebSocketFrameException if invalid
        return nettyBuf;
    }

    @Benchmark
    public boolean jdkDecoder() {
        jdk.reset();
        jdkIn.clear();
        jdkOut.clear();
        CoderResult r = jdk.decode(jdkIn, jdkOut, true);
        return !r.isError() && !jdk.flush(jdkOut).isError();
    }
}
