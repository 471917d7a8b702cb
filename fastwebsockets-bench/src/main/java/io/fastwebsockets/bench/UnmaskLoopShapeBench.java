package io.fastwebsockets.bench;

import io.fastwebsockets.codec.Masking;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * Diagnostic, not a peer comparison: candidate loop shapes for {@code Masking.apply}, to show why the library's
 * current loop is slower than Netty's and what to change. Each variant XORs {@code size} heap (or direct) bytes in
 * place with the same 8-byte wide key; only the shape of the 8-byte loop differs. One operation = one payload.
 *
 * <ul>
 *   <li>{@code library}: the library as it is ({@code for (; i + 8 <= to; i += 8)}, VarHandle long view).</li>
 *   <li>{@code hoistedLimit}: the same VarHandle accesses, loop bound hoisted: {@code lim = to - 7; i < lim}.</li>
 *   <li>{@code hoistedLimitDirect}: as {@code hoistedLimit}, on a direct buffer through the buffer VarHandle.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class UnmaskLoopShapeBench {
    private static final VarHandle LONG_LE_ARRAY =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE_BUFFER =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    @Param({"16384"})
    public int size;

    private byte[] heap;
    private ByteBuffer direct;

    @Setup
    public void setup() {
        heap = BenchData.randomBytes(size);
        direct = ByteBuffer.allocateDirect(size);
        direct.put(0, heap);
    }

    @Benchmark
    public byte[] library() {
        Masking.apply(heap, 0, heap.length, BenchData.MASK_KEY, 0);
        return heap;
    }

    @Benchmark
    public byte[] hoistedLimit() {
        applyHoisted(heap, 0, heap.length, BenchData.MASK_KEY, 0);
        return heap;
    }

    @Benchmark
    public ByteBuffer hoistedLimitDirect() {
        applyHoisted(direct, 0, size, BenchData.MASK_KEY, 0);
        return direct;
    }

    static void applyHoisted(byte[] a, int from, int to, int key, long payloadOffset) {
        int k = Integer.rotateLeft(key, 8 * (int) (payloadOffset & 3));
        long m = wide(k);
        int i = from;
        for (int lim = to - 7; i < lim; i += 8) {
            LONG_LE_ARRAY.set(a, i, (long) LONG_LE_ARRAY.get(a, i) ^ m);
        }
        for (int j = 0; i < to; i++, j++) {
            a[i] ^= (byte) (k >>> (24 - 8 * (j & 3)));
        }
    }

    static void applyHoisted(ByteBuffer b, int from, int to, int key, long payloadOffset) {
        int k = Integer.rotateLeft(key, 8 * (int) (payloadOffset & 3));
        long m = wide(k);
        int i = from;
        for (int lim = to - 7; i < lim; i += 8) {
            LONG_LE_BUFFER.set(b, i, (long) LONG_LE_BUFFER.get(b, i) ^ m);
        }
        for (int j = 0; i < to; i++, j++) {
            b.put(i, (byte) (b.get(i) ^ (k >>> (24 - 8 * (j & 3)))));
        }
    }

    private static long wide(int keyBigEndian) {
        long le = Integer.reverseBytes(keyBigEndian) & 0xFFFFFFFFL;
        return le | (le << 32);
    }
}
