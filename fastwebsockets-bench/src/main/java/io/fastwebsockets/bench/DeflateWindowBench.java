package io.fastwebsockets.bench;

import io.fastwebsockets.internal.deflate.MessageDeflater;
import io.fastwebsockets.internal.deflate.Zlib;
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
 * The compressor of a context-takeover connection at each window and memory level (issue 15): compressing one
 * JSON-like text message of {@code size} bytes per operation at level 6, eight different messages in turn through
 * one {@link MessageDeflater} (so later messages may refer to earlier ones within the window). Setup prints the
 * compressed size as a share of the input, over 64 messages, and zlib's documented state for the setting.
 *
 * <ul>
 *   <li>{@code jdk-15-8}: the JDK's {@code Deflater} (15-bit window, memory level 8): today's compressor, and what
 *       Netty's permessage-deflate uses at 15 bits;</li>
 *   <li>{@code zlib-W-M}: zlib through the FFM API with window bits W and memory level M (11-4 is the default);</li>
 *   <li>{@code jdk-huffman}: the floor without native zlib for windows below 15 (Huffman-only).</li>
 * </ul>
 * Run with native access enabled (bench/jmh.sh does), or the {@code zlib-*} settings fail at setup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DeflateWindowBench {
    private static final int MESSAGES = 8;

    @Param({"1024", "16384"})
    public int size;

    @Param({"jdk-15-8", "zlib-13-6", "zlib-12-5", "zlib-11-4", "zlib-10-3", "zlib-9-1", "jdk-huffman"})
    public String setting;

    private ByteBuffer[] plain;
    private int next;
    private MessageDeflater deflater;

    private MessageDeflater newDeflater() {
        if (setting.equals("jdk-15-8")) {
            return new MessageDeflater(6, 15, 8, false, false);
        }
        if (setting.equals("jdk-huffman")) {
            return new MessageDeflater(6, 11, 8, false, false);
        }
        if (!Zlib.nativeAvailable()) {
            throw new IllegalStateException("native zlib unavailable (" + Zlib.describe()
                    + "): run with --enable-native-access=ALL-UNNAMED on Java 22+");
        }
        String[] p = setting.split("-");
        return new MessageDeflater(6, Integer.parseInt(p[1]), Integer.parseInt(p[2]), false, true);
    }

    @Setup
    public void setup() {
        plain = new ByteBuffer[MESSAGES];
        for (int i = 0; i < MESSAGES; i++) {
            plain[i] = ByteBuffer.wrap(BenchData.textLike(size, 100 + i));
        }
        deflater = newDeflater();
        MessageDeflater probe = newDeflater();
        long in = 0;
        long out = 0;
        for (int i = 0; i < 64; i++) {
            ByteBuffer m = plain[i % MESSAGES].duplicate();
            in += m.remaining();
            out += probe.deflate(m, true).remaining();
            probe.trim();
        }
        probe.release();
        String state = setting.startsWith("zlib") ? stateKiB(setting) : "262"; // the JDK: 15 bits, level 8
        System.out.printf("%n[DeflateWindowBench] %s %d B: compressed %.1f%% of the messages, zlib state %s KiB%n",
                setting, size, 100.0 * out / in, state);
    }

    // zlib's documented deflate memory: (1 << (windowBits + 2)) + (1 << (memLevel + 9)) plus about 6 KiB.
    private static String stateKiB(String setting) {
        String[] p = setting.split("-");
        int w = Integer.parseInt(p[1]);
        int m = Integer.parseInt(p[2]);
        return Integer.toString(((1 << (w + 2)) + (1 << (m + 9))) / 1024 + 6);
    }

    @TearDown
    public void tearDown() {
        deflater.release();
    }

    @Benchmark
    public int compress() {
        ByteBuffer m = plain[next++ & (MESSAGES - 1)].duplicate();
        int n = deflater.deflate(m, true).remaining();
        deflater.trim();
        return n;
    }
}
