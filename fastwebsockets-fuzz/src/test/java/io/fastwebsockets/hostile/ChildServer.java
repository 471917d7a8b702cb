package io.fastwebsockets.hostile;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Transports;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The embedded server in a JVM of its own (open files are capped per process, and 10,000 connections need 10,000
 * descriptors on each side; a small heap of its own shows what a connection can make the server allocate). {@link #main} serves an echo of whole messages on 127.0.0.1 and answers {@code STATS}
 * on stdin with heap (after GC), direct memory, open descriptors and connections; it exits on {@code QUIT} or when
 * stdin closes (so it never outlives the test JVM). {@link #start} forks it with this JVM's java and class path.
 */
final class ChildServer implements AutoCloseable {
    /** Handshake timeout of the child's server. */
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(3);

    /** One measurement of the child. */
    record Stats(long heap, long direct, int fds, int connections) {
        static Stats parse(String line) {
            String[] p = line.split(" ");
            return new Stats(Long.parseLong(p[1]), Long.parseLong(p[2]), Integer.parseInt(p[3]),
                    Integer.parseInt(p[4]));
        }
    }

    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;
    final int port;

    private ChildServer(Process process) throws IOException {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        String first = out.readLine();
        if (first == null || !first.startsWith("PORT ")) {
            process.destroyForcibly();
            throw new IOException("child server did not start: " + first);
        }
        this.port = Integer.parseInt(first.substring(5).trim());
    }

    static ChildServer start() throws IOException {
        return start("-Xmx512m");
    }

    /**
     * @param heap the child's {@code -Xmx} option
     * @param args the child's arguments: {@code --deflate} serves permessage-deflate (the defaults),
     *     {@code --max-message N} sets the message size limit
     */
    static ChildServer start(String heap, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(java, heap, "-XX:MaxDirectMemorySize=1g"));
        cmd.addAll(Transports.forkedJvmOptions()); // this run's transport, with the native access it needs
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ChildServer.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        return new ChildServer(pb.start());
    }

    synchronized Stats stats() throws IOException {
        in.println("STATS");
        String line = out.readLine();
        if (line == null || !line.startsWith("STATS ")) {
            throw new IOException("child answered " + line);
        }
        return Stats.parse(line);
    }

    @Override
    public void close() throws InterruptedException {
        in.println("QUIT");
        in.close();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        int max = a.indexOf("--max-message");
        long maxMessage = max >= 0 ? Long.parseLong(a.get(max + 1)) : 64L << 20;
        try (WebSocketServer server = WebSocketServer.builder()
                .bind("127.0.0.1", 0)
                .configure(ws -> ws.setMaxMessageSize(maxMessage))
                .backlog(4096)
                .maxConnections(15_000)
                .maxConnectionsPerAddress(15_000) // every client comes from 127.0.0.1
                .upgradeOptions(UpgradeOptions.builder().handshakeTimeout(HANDSHAKE_TIMEOUT).build())
                .perMessageDeflate(a.contains("--deflate") ? PerMessageDeflate.defaults() : null)
                .closeTimeout(Duration.ofSeconds(2))
                .writeTimeout(Duration.ofSeconds(5))
                .handler(ws -> {
                    FragmentCollector messages = new FragmentCollector(ws);
                    while (true) {
                        Frame m = messages.readFrame();
                        if (m.opcode() == OpCode.CLOSE) {
                            return;
                        }
                        if (m.opcode() == OpCode.TEXT || m.opcode() == OpCode.BINARY) {
                            messages.writeFrame(m);
                        }
                    }
                })
                .start()) {
            Transports.checked(server); // fails the child's start if it runs over the other transport
            PrintWriter stdout = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
            stdout.println("PORT " + server.port());
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            List<BufferPoolMXBean> pools = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class);
            String line;
            while ((line = stdin.readLine()) != null && !line.equals("QUIT")) {
                if (line.equals("STATS")) {
                    for (int i = 0; i < 3; i++) {
                        System.gc();
                        Thread.sleep(50); // lets the Cleaner free direct buffers of collected connections
                    }
                    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    long direct = pools.stream().filter(p -> p.getName().equals("direct"))
                            .mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
                    stdout.println("STATS " + heap + " " + direct + " " + openFiles() + " "
                            + server.connectionCount());
                }
            }
        }
        System.exit(0);
    }

    private static int openFiles() throws IOException {
        File fd = new File("/proc/self/fd");
        if (!fd.isDirectory()) {
            return -1;
        }
        try (Stream<Path> s = Files.list(fd.toPath())) {
            return (int) s.count();
        }
    }
}
