package io.fastwebsockets.bench.clients;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Runs one client library's closed loop and prints one {@code RESULT} line.
 *
 * <pre>
 * ClientBench --client ours|ours-vloop|ours-send|ours-blocking|ours-blocking-ploop|netty|jdk|okhttp|java-websocket
 *             --url ws://127.0.0.1:P/ [-c CONNS] [-s BYTES] [-w WARMUP_S] [-d SECONDS]
 * </pre>
 *
 * Every driver does the same per connection: send a binary message of {@code -s} bytes, wait for the whole echo,
 * compare it byte for byte, record the round trip, send the next. The process's CPU time over the measured window
 * is reported beside the rate, so a run under a CPU quota compares the clients' own costs.
 */
public final class ClientBench {
    /** What each driver reports to: a round trip's nanoseconds, or a failure. */
    public static final class Sink {
        final byte[] payload;
        private final Recorder latency = new Recorder(60_000_000_000L, 3);
        private final LongAdder messages = new LongAdder();
        private final LongAdder errors = new LongAdder();
        volatile boolean stopping;
        private volatile String firstError;

        Sink(int size) {
            payload = new byte[size];
            for (int i = 0; i < size; i++) {
                payload[i] = (byte) (i * 31 + 7);
            }
        }

        /**
         * One echo received in full, already compared with the message (in the driver's own buffer type).
         *
         * @param equal whether the echo matched
         * @param sentNanos when its message was sent
         * @return whether the loop goes on
         */
        public boolean echoed(boolean equal, long sentNanos) {
            long now = System.nanoTime();
            if (!equal) {
                fail("echo differs from the message");
                return false;
            }
            // Recorded in the warm-up too, so the measured window runs code the JIT has compiled already (a branch
            // taken only from the window's start would be compiled, and the loop deoptimised, inside it).
            latency.recordValue(now - sentNanos);
            messages.increment();
            return !stopping;
        }

        /** @param why a connection failed */
        public void fail(String why) {
            errors.increment();
            if (firstError == null) {
                firstError = why;
                System.err.println("ClientBench: " + why);
            }
        }

        /** @return whether the run is over */
        public boolean stopping() {
            return stopping;
        }
    }

    /** One client library. */
    public interface Driver extends AutoCloseable {
        /**
         * Opens {@code connections} connections and starts their loops (returns once all are open).
         *
         * @param uri the echo server
         * @param connections how many
         * @param sink where the loops report
         * @throws Exception if connecting failed
         */
        void start(URI uri, int connections, Sink sink) throws Exception;

        @Override
        void close() throws Exception;
    }

    private ClientBench() {
    }

    public static void main(String[] args) throws Exception {
        String client = null;
        URI uri = null;
        int conns = 100;
        int size = 20;
        double warmup = 2;
        double duration = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--client" -> client = args[++i];
                case "--url" -> uri = URI.create(args[++i]);
                case "-c" -> conns = Integer.parseInt(args[++i]);
                case "-s" -> size = Integer.parseInt(args[++i]);
                case "-w" -> warmup = Double.parseDouble(args[++i]);
                case "-d" -> duration = Double.parseDouble(args[++i]);
                default -> {
                    System.err.println("ClientBench: unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (client == null || uri == null) {
            System.err.println("usage: ClientBench --client ours|ours-vloop|ours-send|ours-blocking|ours-blocking-ploop|netty|jdk|okhttp|java-websocket "
                    + "--url URL "
                    + "[-c CONNS] [-s BYTES] [-w WARMUP_S] [-d SECONDS]");
            System.exit(2);
        }
        Driver driver = switch (client) {
            case "ours" -> new OursDriver(true, true);
            case "ours-vloop" -> new OursDriver(true, false);
            case "ours-send" -> new OursDriver(true, true, true);
            case "ours-blocking" -> new OursDriver(false, false);
            case "ours-blocking-ploop" -> new OursDriver(false, true);
            case "netty" -> new NettyDriver();
            case "jdk" -> new JdkDriver();
            case "okhttp" -> new OkHttpDriver();
            case "java-websocket" -> new JavaWebSocketDriver();
            default -> throw new IllegalArgumentException("unknown client " + client);
        };
        Sink sink = new Sink(size);
        try {
            driver.start(uri, conns, sink);
        } catch (Exception e) {
            // A client's own threads (OkHttp's, Netty's) would keep the JVM, and the benchmark script, waiting.
            System.err.println("ClientBench: " + client + " did not start: " + e);
            System.exit(1);
        }
        Thread.sleep((long) (warmup * 1000));
        sink.latency.getIntervalHistogram(); // the warm-up's: discarded
        long count0 = sink.messages.sum();
        long cpu0 = cpuNanos();
        long t0 = System.nanoTime();
        Thread.sleep((long) (duration * 1000));
        long elapsed = System.nanoTime() - t0;
        long cpu = cpuNanos() - cpu0;
        long count = sink.messages.sum() - count0;
        Histogram h = sink.latency.getIntervalHistogram();
        sink.stopping = true;
        System.out.printf(Locale.ROOT, "RESULT client=%s conns=%d size=%d msgs_per_sec=%.1f cpu_pct=%.1f "
                + "cpu_us_per_msg=%.3f p50_us=%.1f p99_us=%.1f p999_us=%.1f errors=%d%n", client, conns, size,
                count / (elapsed / 1e9), 100.0 * cpu / elapsed, count == 0 ? 0 : cpu / 1e3 / count,
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, sink.errors.sum());
        System.out.flush();
        try {
            driver.close();
        } catch (Exception e) {
            // the numbers are out; a slow close does not matter
        }
        System.exit(0);
    }

    private static long cpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }
}
