// Part of bench/conn_ab.sh: see there.
import io.fastwebsockets.*;
import java.io.*;
import java.net.*;
import java.nio.ByteBuffer;
import java.nio.channels.*;
import java.util.*;
import java.util.concurrent.*;

/** N idle server connections over one EventLoop, each parked in readFrame after one echo; prints the parked
 *  stack depth and the heap histogram rows of StackChunk and our classes per connection. Args: N warmupMessages */
public class ParkedFootprint {
    static void echo(WebSocket ws) {
        try {
            while (true) {
                Frame f = ws.readFrame();
                switch (f.opcode()) {
                    case CLOSE -> { return; }
                    case TEXT, BINARY -> ws.writeFrame(new Frame(true, f.opcode(), null, f.payload()));
                    default -> { }
                }
            }
        } catch (IOException e) {
        }
    }

    static byte[] masked(int n) {
        byte[] b = new byte[2 + 4 + n];
        b[0] = (byte) 0x82; b[1] = (byte) (0x80 | n);
        return b; // mask key 0, payload zeros
    }

    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]);
        int warm = Integer.parseInt(a[1]);
        EventLoop loop = EventLoop.start();
        ServerSocketChannel ss = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        List<SocketChannel> clients = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        byte[] msg = masked(20);
        ByteBuffer in = ByteBuffer.allocate(64);
        for (int i = 0; i < n + 1; i++) {
            SocketChannel c = SocketChannel.open(ss.getLocalAddress());
            SocketChannel s = ss.accept();
            WebSocket ws = WebSocket.afterHandshake(s, Role.SERVER, null, loop);
            threads.add(Thread.ofVirtual().start(() -> echo(ws)));
            clients.add(c);
            int rounds = i == 0 ? warm : 1;
            for (int r = 0; r < rounds; r++) {
                c.write(ByteBuffer.wrap(msg));
                in.clear();
                while (in.position() < 22) c.read(in);
            }
        }
        // wait until all parked
        for (Thread t : threads) {
            while (t.getState() != Thread.State.WAITING) Thread.sleep(1);
        }
        Thread probe = threads.get(threads.size() - 1);
        StackTraceElement[] st = probe.getStackTrace();
        System.out.println("parked stack frames: " + st.length);
        for (StackTraceElement e : st) System.out.println("  " + e);
        System.gc(); Thread.sleep(500); System.gc();
        Process p = new ProcessBuilder(System.getProperty("java.home") + "/bin/jcmd",
                Long.toString(ProcessHandle.current().pid()), "GC.class_histogram").redirectErrorStream(true).start();
        long ours = 0;
        for (String line : new String(p.getInputStream().readAllBytes()).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4) continue;
            String cls = f[3];
            if (cls.equals("jdk.internal.vm.StackChunk") || cls.startsWith("io.fastwebsockets.")) {
                long inst = Long.parseLong(f[1]), bytes = Long.parseLong(f[2]);
                System.out.printf("%-45s %8d inst %10d B  %.1f B/conn%n", cls, inst, bytes, bytes / (double) (n + 1));
                if (cls.startsWith("io.fastwebsockets.")) ours += bytes;
            }
        }
        System.out.printf("io.fastwebsockets.* total %.1f B/conn%n", ours / (double) (n + 1));
        Runtime.getRuntime().halt(0);
    }
}
