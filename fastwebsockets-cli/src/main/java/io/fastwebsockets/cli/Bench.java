package io.fastwebsockets.cli;

import io.fastwebsockets.EventLoop;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.handshake.ClientListener;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.IntervalHistogramProvider;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.SingleWriterRecorder;
import org.HdrHistogram.ValueRecorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fastws bench}: a WebSocket load generator on this library's client, its connections on one
 * {@link EventLoop}. Closed loop by default (one message in flight per connection: send, wait for the whole echo,
 * verify it, send the next), event-style: the loop's thread calls each connection's {@link ClientListener} with its
 * echo, which sends the next message, as a C generator's epoll loop would ({@code --blocking}: a virtual thread per
 * connection blocked in {@code readFrame()} instead); with {@code --rate}, an open loop that sends at a fixed total rate and measures each
 * round trip from the time its message was <em>due</em>, not from when it could be sent, so a stalled server shows
 * in the percentiles instead of slowing the generator down (coordinated omission corrected).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Load an echo server: messages/s, MB/s, latency percentiles, errors, the generator's CPU.")
final class Bench implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "URL", description = "ws:// or wss:// URL of an echo server")
    URI url;

    @Option(names = {"-c", "--connections"}, paramLabel = "CONNECTIONS", description = "default ${DEFAULT-VALUE}")
    int connections = 100;

    @Option(names = {"-s", "--size"}, paramLabel = "BYTES", description = "payload size, default ${DEFAULT-VALUE}")
    int size = 20;

    @Option(names = {"-d", "--duration"}, paramLabel = "DURATION", description = "measured time, default 10s")
    Duration duration = Duration.ofSeconds(10);

    @Option(names = "--warmup", paramLabel = "DURATION", description = "unmeasured time first, default 1s; "
            + "then a second more at a time while the JIT is still compiling, up to three times as long")
    Duration warmup = Duration.ofSeconds(1);

    @Option(names = "--rate", paramLabel = "MSGS_PER_S", description = "send at this total rate (open loop)")
    long rate;

    @Option(names = "--text", description = "send text messages (default binary)")
    boolean text;

    @Option(names = "--deflate", description = "offer permessage-deflate")
    boolean deflate;

    @Option(names = "--json", description = "print the result as one JSON object on stdout")
    boolean json;

    @Option(names = "--blocking", description = "closed loop on the blocking API (a virtual thread per connection "
            + "in readFrame) instead of event-style listeners run by the event loop")
    boolean blocking;

    private static final long HIGHEST_NS = 3_600_000_000_000L; // the longest round trip recorded: an hour

    private final PrintStream out;
    private final PrintStream err;

    private final LongAdder errors = new LongAdder();
    // Every echo's round trip (ns, up to an hour, 3 digits); the messages are counted by the same histograms. Set by
    // call() before any connection starts: a Recorder where many threads record (--blocking, --rate), a
    // SingleWriterRecorder where only the event loop's thread does (the listeners): half the cost per message, and no
    // atomic counter beside it.
    private ValueRecorder latency;
    private IntervalHistogramProvider<Histogram> intervals;
    private volatile boolean stopping;
    private volatile String firstError;
    private long warmedUpNs; // how long the warm-up lasted

    Bench() {
        this(System.out, System.err);
    }

    Bench(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        if (connections < 1 || size < 0 || rate < 0 || duration.isZero()) {
            err.println("fastws bench: -c must be >= 1, -s >= 0, --rate >= 0 and -d > 0");
            return 2;
        }
        boolean listen = rate == 0 && !blocking;
        if (listen) {
            SingleWriterRecorder r = new SingleWriterRecorder(HIGHEST_NS, 3);
            latency = r;
            intervals = r;
        } else {
            Recorder r = new Recorder(HIGHEST_NS, 3);
            latency = r;
            intervals = r;
        }
        compileEarly(listen);
        // Listeners run on the loop's own thread: a platform thread wakes faster than a virtual one. Connections read
        // by virtual threads of their own share the carriers with a virtual loop (docs/benchmarks.md, Clients).
        try (EventLoop loop = listen ? EventLoop.startOnPlatformThread("fastws-bench-loop")
                : EventLoop.start("fastws-bench-loop")) {
            ClientOptions.Builder options = ClientOptions.builder().eventLoop(loop);
            if (deflate) {
                options.perMessageDeflate(PerMessageDeflate.defaults());
            }
            ClientOptions opts = options.build();
            List<WebSocket> sockets = new ArrayList<>(connections);
            Payloads shared = listen ? new Payloads(size, text) : null; // the listeners' one message buffer
            try {
                for (int i = 0; i < connections; i++) {
                    sockets.add(listen ? Handshake.connect(url, opts, new ClosedLoop(shared)).webSocket()
                            : Handshake.connect(url, opts).webSocket());
                }
            } catch (IOException e) {
                err.println("fastws bench: connection " + (sockets.size() + 1) + " of " + connections + " failed: "
                        + e.getMessage());
                closeAll(sockets);
                return 1;
            }
            return run(sockets);
        }
    }

    private int run(List<WebSocket> sockets) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        double perConnectionRate = rate > 0 ? (double) rate / sockets.size() : 0;
        for (int i = 0; i < sockets.size(); i++) {
            WebSocket ws = sockets.get(i);
            // Spread the open-loop senders over one interval so they do not all fire at once.
            long offset = perConnectionRate > 0 ? (long) (1e9 / perConnectionRate * i / sockets.size()) : 0;
            if (rate > 0) {
                Pending pending = new Pending();
                threads.add(Thread.ofVirtual().start(() -> sendAtRate(ws, pending, start + offset,
                        (long) (1e9 / perConnectionRate))));
                threads.add(Thread.ofVirtual().start(() -> receive(ws, pending)));
            } else if (blocking) {
                threads.add(Thread.ofVirtual().start(() -> closedLoop(ws)));
            } // otherwise each connection's ClosedLoop listener runs already
        }
        // The warm-up runs exactly what the measurement runs: every echo is recorded and counted, and every second
        // the interval histogram is taken, added up and printed. Had it skipped the recording, the JIT would compile
        // it (and deoptimise the connection's hot path to fit it in) inside the measured window, at the generator's
        // expense: with a 3 s warm-up at 100 x 16 KiB that was 11% of the measured CPU, in compiler threads.
        // The warm-up lasts --warmup, then goes on a second at a time while the JIT is still compiling, up to three
        // times --warmup (warmUpDone): under a CPU quota the compiler threads share the generator's core and were
        // still compiling the hot path (the loop, the JDK's selector and socket writes) seconds after a 2 s warm-up,
        // that path meanwhile running slower code, and the compiler's CPU counted as the generator's.
        processCpuNanos(); // the management beans' first use (class loading) before the window, not in it
        Progress warm = new Progress("warm-up ", start, null);
        long minimum = warmup.toNanos();
        long warmupEnd = start + minimum;
        long jitMark = -1; // the JIT's time (jitMillis) when the last progress interval began
        while (true) {
            long now = System.nanoTime();
            if (now >= warmupEnd) {
                long compiled = jitMark < 0 ? -1 : jitMillis() - jitMark;
                if (warmUpDone(now - start, minimum, compiled)) {
                    break;
                }
                warmupEnd = Math.min(warm.nextSecond(), start + WARMUP_LIMIT * minimum); // checked again then
            }
            jitMark = jitMillis();
            warm.tick(Math.min(warm.nextSecond(), warmupEnd));
        }
        warmedUpNs = System.nanoTime() - start;
        Histogram discarded = intervals.getIntervalHistogram(warm.interval); // recorded since the last warm-up line
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        Progress measured = new Progress("", t0, discarded);
        long end = t0 + duration.toNanos();
        while (System.nanoTime() < end) {
            measured.tick(Math.min(measured.nextSecond(), end));
        }
        long elapsed = System.nanoTime() - t0;
        long cpu = processCpuNanos() - cpu0;
        long count = measured.total.getTotalCount(); // every echo recorded in the window's intervals, and only those
        stopping = true;
        closeAll(sockets);
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(5));
        }
        report(count, elapsed, cpu, measured.total);
        return errors.sum() == 0 ? 0 : 1;
    }

    // One message in flight: send, wait for the whole echo, verify, record, repeat. Per message this costs what the
    // connection costs plus a stamp of the sequence number and one comparison: the message is built once and
    // re-stamped in place (the writer masks while copying, so what was sent is still in `message` to compare the
    // echo with), and nothing is allocated but the Frame.
    private void closedLoop(WebSocket ws) {
        FragmentCollector in = new FragmentCollector(ws);
        Payloads payloads = new Payloads(size, text);
        try {
            for (long seq = 0; !stopping; seq++) {
                ByteBuffer message = payloads.make(seq);
                long sent = System.nanoTime();
                ws.writeFrame(frame(message));
                Frame echo = readData(in);
                long now = System.nanoTime();
                if (!Payloads.sameBytes(echo.payload(), message.array())) {
                    fail("echo " + seq + " differs from what was sent");
                    return;
                }
                latency.recordValue(now - sent);
            }
        } catch (IOException e) {
            if (!stopping) {
                fail(e.getMessage());
            }
        }
    }

    // The closed loop, event-style: the first message goes from onOpen, each next one from the call that receives
    // the previous one's echo, on the event loop's thread. The same work per message as closedLoop, except that the
    // listeners, all called by that one thread, share one message buffer (`shared`): it is stamped with a
    // connection's sequence number just before that connection's message is sent (the writer has masked it into its
    // own buffer when writeFrame returns, and a write queued by the loop takes a copy) and again before its echo is
    // compared, so every byte of every echo is still checked. As loadgen compares every echo with its one payload,
    // the payload's bytes stay in the cache instead of one copy per connection (16 KiB x 100 connections: 1.6 MiB).
    private final class ClosedLoop implements ClientListener {
        private final Payloads shared;
        private long seq;
        private long sent;

        ClosedLoop(Payloads shared) {
            this.shared = shared;
        }

        @Override
        public void onOpen(WebSocket ws) throws IOException {
            send(ws);
        }

        @Override
        public void onMessage(WebSocket ws, Frame echo) throws IOException {
            long now = System.nanoTime();
            if (echo.opcode() != (text ? OpCode.TEXT : OpCode.BINARY)) {
                fail("echo came back as " + echo.opcode());
                ws.close();
                return;
            }
            if (!Payloads.sameBytes(echo.payload(), shared.make(seq).array())) {
                fail("echo " + seq + " differs from what was sent");
                ws.close();
                return;
            }
            latency.recordValue(now - sent);
            if (!stopping) {
                seq++;
                send(ws);
            }
        }

        @Override
        public void onClose(WebSocket ws, int code, String reason) {
            if (!stopping) {
                fail("the server closed the connection (" + code + (reason.isEmpty() ? "" : " " + reason) + ")");
            }
        }

        private void send(WebSocket ws) throws IOException {
            ByteBuffer message = shared.make(seq);
            sent = System.nanoTime();
            ws.writeFrame(frame(message));
        }
    }

    // Open loop: message seq is due at first + seq * every; its round trip is measured from then.
    private void sendAtRate(WebSocket ws, Pending pending, long first, long every) {
        Payloads payloads = new Payloads(size, text);
        try {
            for (long seq = 0; !stopping; seq++) {
                long due = first + seq * every;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                if (stopping) {
                    return;
                }
                pending.put(due);
                ws.writeFrame(frame(payloads.make(seq)));
            }
        } catch (IOException | InterruptedException e) {
            if (!stopping) {
                fail(e.getMessage());
            }
        }
    }

    private void receive(WebSocket ws, Pending pending) {
        FragmentCollector in = new FragmentCollector(ws);
        Payloads payloads = new Payloads(size, text);
        try {
            for (long seq = 0; !stopping; seq++) {
                Frame echo = readData(in);
                long now = System.nanoTime();
                long due = pending.take();
                if (!payloads.matches(echo, seq)) {
                    fail("echo " + seq + " differs from what was sent");
                    return;
                }
                latency.recordValue(Math.max(0, now - due));
            }
        } catch (IOException | InterruptedException e) {
            if (!stopping) {
                fail(e.getMessage());
            }
        }
    }

    private Frame frame(ByteBuffer payload) {
        return text ? Frame.text(payload) : Frame.binary(payload);
    }

    private Frame readData(FragmentCollector in) throws IOException {
        while (true) {
            Frame f = in.readFrame();
            if (f.opcode() == OpCode.CLOSE) {
                throw new IOException("the server closed the connection");
            }
            if (!f.opcode().isControl()) {
                if (f.opcode() != (text ? OpCode.TEXT : OpCode.BINARY)) {
                    throw new IOException("echo came back as " + f.opcode());
                }
                return f;
            }
        }
    }

    private void fail(String message) {
        errors.increment();
        if (firstError == null) {
            firstError = message;
            err.println("fastws bench: " + message);
        }
    }

    private static void closeAll(List<WebSocket> sockets) throws InterruptedException {
        List<Thread> closers = new ArrayList<>();
        for (WebSocket ws : sockets) {
            closers.add(Thread.ofVirtual().start(() -> {
                try {
                    ws.close();
                } catch (IOException e) {
                    // gone already
                }
            }));
        }
        for (Thread t : closers) {
            t.join(Duration.ofSeconds(5));
        }
    }

    private void report(long count, long elapsedNs, long cpuNs, Histogram h) {
        double secs = elapsedNs / 1e9;
        double rateOut = count / secs;
        double mbps = rateOut * size / 1e6;
        double cpuPct = 100.0 * cpuNs / elapsedNs;
        double cpuPerMsgUs = count == 0 ? 0 : cpuNs / 1e3 / count;
        if (json) {
            out.printf(Locale.ROOT, "{\"url\":\"%s\",\"connections\":%d,\"size\":%d,\"text\":%b,\"deflate\":%b,"
                    + "\"rate\":%d,\"seconds\":%.3f,\"warmup_seconds\":%.3f,\"messages\":%d,\"messages_per_s\":%.1f,"
                    + "\"mb_per_s\":%.3f,"
                    + "\"latency_ms\":{\"p50\":%.4f,\"p90\":%.4f,\"p99\":%.4f,\"p99_9\":%.4f,\"max\":%.4f},"
                    + "\"errors\":%d,\"cpu_percent\":%.1f,\"cpu_us_per_message\":%.3f}%n",
                    url.toString().replace("\"", "\\\""), connections, size, text, deflate, rate, secs,
                    warmedUpNs / 1e9, count, rateOut, mbps, ms(h, 50), ms(h, 90), ms(h, 99), ms(h, 99.9),
                    h.getMaxValue() / 1e6, errors.sum(), cpuPct, cpuPerMsgUs);
            return;
        }
        out.printf(Locale.ROOT, "%s  %d connections x %d B %s%s%s, %.1f s after a %.1f s warm-up%n", url,
                connections, size, text ? "text" : "binary", deflate ? ", permessage-deflate" : "",
                rate > 0 ? ", " + rate + " msg/s offered" : ", one in flight each", secs, warmedUpNs / 1e9);
        out.printf(Locale.ROOT, "  messages   %,d  (%,.0f msg/s, %.2f MB/s of payload each way)%n", count, rateOut,
                mbps);
        out.printf(Locale.ROOT, "  latency    p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms%s%n",
                ms(h, 50), ms(h, 90), ms(h, 99), ms(h, 99.9), h.getMaxValue() / 1e6,
                rate > 0 ? " (from when each message was due)" : "");
        out.printf(Locale.ROOT, "  errors     %d%n", errors.sum());
        out.printf(Locale.ROOT, "  generator  %.0f%% of one core, %.2f us CPU per message%n", cpuPct, cpuPerMsgUs);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e6;
    }

    /**
     * Runs, before any connection opens, what the run calls too seldom for the JIT to finish it in the warm-up: the
     * once-a-second progress work (the recorder's swap, adding the interval up, two percentiles), on a scratch
     * recorder of the run's kind, and the JDK's DRBG, where a client's masking keys come from (64 keys a call, so some
     * 700 calls a second at 45,000 messages/s). Called that seldom, they reached the JIT's top tier only 3-8 s into a
     * run (-Xlog:jit+compilation: HdrHistogram's add and getValueAtPercentile, Arrays.fill, HashDrbg's hashGen,
     * SecureRandom.nextBytes), inside the measured window after a 2 s warm-up, each compilation's CPU counted as the
     * generator's. A few thousand calls here bring them there before the first message (well under a second).
     */
    private static void compileEarly(boolean singleWriter) {
        IntervalHistogramProvider<Histogram> scratch =
                singleWriter ? new SingleWriterRecorder(2, 3) : new Recorder(2, 3);
        Histogram total = new Histogram(2, 3);
        Histogram interval = null;
        for (int i = 0; i < 5_000; i++) {
            ((ValueRecorder) scratch).recordValue(1);
            interval = scratch.getIntervalHistogram(interval);
            total.add(interval);
            interval.getValueAtPercentile(50);
            interval.getValueAtPercentile(99);
        }
        try {
            java.security.SecureRandom drbg = java.security.SecureRandom.getInstance("DRBG");
            byte[] keys = new byte[256];
            for (int i = 0; i < 5_000; i++) {
                drbg.nextBytes(keys);
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            // the library then falls back to the default SecureRandom: nothing to compile ahead for it
        }
    }

    /** How many times --warmup the warm-up may last while the JIT is compiling. */
    static final int WARMUP_LIMIT = 3;
    /** Milliseconds of compiling in the last stretch of the warm-up (at most a second) that count as quiet. */
    static final long JIT_QUIET_MS = 10;

    /**
     * Whether the warm-up may end after {@code elapsedNs}: it has lasted {@code minimumNs} (--warmup) and the JIT
     * compiled for at most {@link #JIT_QUIET_MS} since the last check ({@code compiledMs}, from {@link #jitMillis};
     * -1: unknown, so --warmup alone decides), or it has lasted {@link #WARMUP_LIMIT} times {@code minimumNs}.
     */
    static boolean warmUpDone(long elapsedNs, long minimumNs, long compiledMs) {
        if (elapsedNs < minimumNs) {
            return false;
        }
        return compiledMs <= JIT_QUIET_MS || elapsedNs >= WARMUP_LIMIT * minimumNs;
    }

    /**
     * Milliseconds of CPU the JIT's compiler threads have used since the JVM started, from
     * {@code /proc/self/task/*}{@code /stat} (Linux: what the generator's CPU figure counts), else the compilation
     * time the JVM reports (elapsed, not CPU: a compiler thread waiting for the core counts too), else -1. The
     * JVM's own figure is added up only when a compilation ends, so a long one in progress looked quiet.
     */
    static long jitMillis() {
        Path tasks = Path.of("/proc/self/task");
        if (Files.isDirectory(tasks)) {
            long ticks = 0;
            boolean found = false;
            try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
                for (Path t : threads) {
                    try {
                        String name = Files.readString(t.resolve("comm"));
                        if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                            ticks += cpuTicks(Files.readString(t.resolve("stat")));
                            found = true;
                        }
                    } catch (IOException | RuntimeException e) {
                        // a thread that ended meanwhile, or a stat line of another shape: not counted
                    }
                }
            } catch (IOException e) {
                found = false;
            }
            if (found) {
                return ticks * 10; // USER_HZ: 100 ticks a second on Linux
            }
        }
        java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    /** User plus system time, in clock ticks, of a {@code /proc/PID/task/TID/stat} line (proc(5): fields 14, 15). */
    static long cpuTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" "); // from field 3, the state
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    /** The progress lines: every second the interval's rate and latency, added up into {@code total}. */
    private final class Progress {
        final Histogram total = new Histogram(HIGHEST_NS, 3);
        private final String label;
        private final long start;
        private Histogram interval; // reused: HdrHistogram's Recorder swaps it with the one recorded into
        private long lastTime;
        private int second;

        Progress(String label, long start, Histogram spare) {
            this.label = label;
            this.start = start;
            this.lastTime = start;
            this.interval = spare;
        }

        long nextSecond() {
            return start + (second + 1) * 1_000_000_000L;
        }

        // Waits until `until`, then prints the line of the interval since the last one.
        void tick(long until) {
            LockSupport.parkNanos(until - System.nanoTime());
            second++;
            interval = intervals.getIntervalHistogram(interval);
            total.add(interval);
            long count = interval.getTotalCount();
            long now = System.nanoTime();
            double secs = (now - lastTime) / 1e9;
            lastTime = now;
            err.printf(Locale.ROOT, "%s%3ds %,12.0f msg/s  p50 %8.3f ms  p99 %8.3f ms  errors %d%n", label, second,
                    count / Math.max(secs, 1e-9), interval.getValueAtPercentile(50) / 1e6,
                    interval.getValueAtPercentile(99) / 1e6, errors.sum());
        }
    }

    /** The due times of messages sent and not yet echoed, in order: a bounded ring of longs. */
    static final class Pending {
        private final long[] due = new long[1 << 16];
        private long head; // next to take
        private long tail; // next to put

        synchronized void put(long time) throws InterruptedException {
            while (tail - head == due.length) {
                wait(); // a full ring: 65,536 messages unanswered; the due times keep counting meanwhile
            }
            due[(int) (tail++ & (due.length - 1))] = time;
            notifyAll();
        }

        synchronized long take() throws InterruptedException {
            while (head == tail) {
                wait();
            }
            long t = due[(int) (head++ & (due.length - 1))];
            notifyAll();
            return t;
        }
    }

    /**
     * Message seq: a fixed pattern with seq written into its first bytes, so each echo is checked exactly. One buffer,
     * re-stamped for each message: {@link #make} returns it, valid until the next call.
     */
    static final class Payloads {
        private static final VarHandle LONGS_IN_ARRAY =
                MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
        private static final VarHandle LONGS_IN_BUFFER =
                MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
        private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        private final ByteBuffer buffer;
        private byte[] expected; // for matches(), made by its first call

        Payloads(int size, boolean text) {
            byte[] b = new byte[size];
            for (int i = 0; i < size; i++) {
                b[i] = (byte) ('a' + i % 26); // ASCII: valid UTF-8 for text, compressible for deflate
            }
            buffer = ByteBuffer.wrap(b);
        }

        ByteBuffer make(long seq) {
            stamp(buffer.array(), seq);
            return buffer.clear();
        }

        // For a receiver other than the sender (the open loop): message seq as it was sent.
        boolean matches(Frame echo, long seq) {
            if (expected == null) {
                expected = new byte[buffer.capacity()];
            }
            System.arraycopy(buffer.array(), 0, expected, 0, expected.length);
            stamp(expected, seq);
            return sameBytes(echo.payload(), expected);
        }

        /**
         * Whether {@code echo} (position to limit) holds exactly {@code sent}: every byte compared, eight at a time,
         * as {@code loadgen}'s {@code memcmp} does. For an echo in the read buffer (direct), {@code ByteBuffer.equals}
         * with a heap buffer takes three times as long on JDK 25 (16 KiB: 0.74 us against 0.27 us on this machine).
         */
        static boolean sameBytes(ByteBuffer echo, byte[] sent) {
            int len = sent.length;
            if (echo.remaining() != len) {
                return false;
            }
            int p = echo.position();
            if (echo.hasArray()) {
                int from = echo.arrayOffset() + p;
                return java.util.Arrays.equals(echo.array(), from, from + len, sent, 0, len);
            }
            long diff = 0;
            int i = 0;
            for (int last = len - 7; i < last; i += 8) {
                diff |= (long) LONGS_IN_BUFFER.get(echo, p + i) ^ (long) LONGS_IN_ARRAY.get(sent, i);
            }
            for (; i < len; i++) {
                diff |= echo.get(p + i) ^ sent[i];
            }
            return diff == 0;
        }

        // The sequence number in hex digits over the first (up to 16) bytes: still ASCII for text messages.
        private static void stamp(byte[] b, long seq) {
            int n = Math.min(16, b.length);
            for (int i = n - 1; i >= 0; i--) {
                b[i] = HEX[(int) (seq & 15)];
                seq >>>= 4;
            }
        }
    }
}
