package io.fastwebsockets.internal.deflate;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Run in a JVM of its own by {@link NativeAccessTest}: prints which compressors the library chose, then compresses
 * and inflates one message with a 9-bit window (the path that wants native zlib) and prints whether it came back.
 */
public final class ZlibProbe {
    private ZlibProbe() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("native=" + Zlib.nativeAvailable() + " " + Zlib.describe());
        byte[] text = "probe, probe, probe; ".repeat(200).getBytes(StandardCharsets.US_ASCII);
        MessageDeflater d = new MessageDeflater(6, 9, 4, false, true);
        ByteBuffer wire = d.deflate(ByteBuffer.wrap(text), true);
        byte[] w = new byte[wire.remaining()];
        wire.get(w);
        MessageInflater inf = new MessageInflater(false, 9, true);
        ByteBuffer back = inf.inflate(ByteBuffer.wrap(w), true, 1 << 20);
        System.out.println("roundtrip=" + back.equals(ByteBuffer.wrap(text)) + " wire=" + w.length);
        d.release();
        inf.release();
    }
}
