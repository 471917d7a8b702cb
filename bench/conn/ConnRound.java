// Part of bench/conn_ab.sh: see there.
import io.fastwebsockets.*;
import java.io.*;
import java.lang.management.*;

/** One connection fed masked binary frames from memory, echoing to a sink; round(n) returns CPU ns per echo. */
public class ConnRound {
    static final class Replay extends InputStream {
        final byte[] wire; int pos;
        Replay(byte[] w) { wire = w; }
        @Override public int read() { throw new UnsupportedOperationException(); }
        @Override public int read(byte[] b, int off, int len) {
            int n = Math.min(len, wire.length - pos);
            System.arraycopy(wire, pos, b, off, n);
            pos += n; if (pos == wire.length) pos = 0;
            return n;
        }
    }
    static final class Sink extends OutputStream {
        long n;
        @Override public void write(int b) { n++; }
        @Override public void write(byte[] b, int off, int len) { n += len; }
    }
    static WebSocket ws;
    public static void setup(int size) throws IOException {
        int frames = Math.max(1, (64 * 1024) / (size + 14));
        ByteArrayOutputStream w = new ByteArrayOutputStream();
        byte[] key = {0x11, 0x22, 0x33, 0x44};
        for (int i = 0; i < frames; i++) {
            w.write(0x82);
            if (size < 126) w.write(0x80 | size); else { w.write(0x80 | 126); w.write(size >>> 8); w.write(size & 0xff); }
            w.write(key);
            for (int j = 0; j < size; j++) w.write((j * 31) ^ key[j & 3]);
        }
        ws = WebSocket.afterHandshake(new Replay(w.toByteArray()), new Sink(), Role.SERVER);
    }
    public static double round(int per) throws IOException {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        WebSocket s = ws;
        long t0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < per; i++) {
            Frame f = s.readFrame();
            s.writeFrame(new Frame(true, f.opcode(), null, f.payload()));
        }
        return (mx.getCurrentThreadCpuTime() - t0) / (double) per;
    }
}
