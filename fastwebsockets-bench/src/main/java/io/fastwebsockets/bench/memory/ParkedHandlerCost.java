package io.fastwebsockets.bench.memory;

import io.fastwebsockets.EventLoop;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.examples.EchoHandlers;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.server.WebSocketServer;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * The parked thread of a blocking handler, beside {@link ParkedThreadCost}'s floor: an embedded
 * {@link WebSocketServer} whose handler is {@code EchoHandlers.echoMessages} ({@code collector}) or
 * {@code echoFrames} ({@code raw}), N client connections from this process (on one {@link EventLoop}, no thread of
 * their own), one 20-byte message echoed on each, then the class histogram's bytes per connection for the classes a
 * parked virtual thread holds, and the stack of one parked handler.
 *
 * <pre>
 * java -cp ... io.fastwebsockets.bench.memory.ParkedHandlerCost [collector|raw|park] [N] [WARMUP_ROUNDS] [MESSAGES]
 * </pre>
 *
 * {@code native-collector}, {@code native-raw} and {@code native-park}: the same handlers over the server's native
 * transport ({@code WebSocketServer.Builder.nativeTransport}; add {@code --enable-native-access=ALL-UNNAMED}).
 *
 * Defaults: collector, 3,000 connections (two sockets each in this one process), 10 warm-up rounds of 500
 * connections opened, echoed and closed, one message. With MESSAGES &gt; 1, each further message is echoed on every
 * connection after the full GC of the measure before it, and measured again: a parked thread whose stack chunk was
 * promoted by that GC keeps its bottom frames in it and takes a second chunk for the frames above them.
 */
public final class ParkedHandlerCost {
    private static volatile boolean parkedRelease;

    private ParkedHandlerCost() {
    }

    private static List<WebSocket> open(EventLoop loop, int port, int n) throws Exception {
        ClientOptions options = ClientOptions.builder().eventLoop(loop).build();
        URI uri = URI.create("ws://127.0.0.1:" + port + "/");
        byte[] message = "twenty bytes, echoed".getBytes(StandardCharsets.US_ASCII);
        List<WebSocket> open = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            WebSocket ws = Handshake.connect(uri, options).webSocket();
            ws.writeFrame(new Frame(true, OpCode.TEXT, null, ByteBuffer.wrap(message)));
            Frame echo = ws.readFrame();
            if (echo.opcode() != OpCode.TEXT || echo.payload().remaining() != message.length) {
                throw new IllegalStateException("bad echo on connection " + i + ": " + echo);
            }
            open.add(ws);
        }
        return open;
    }

    // With --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/jdk.internal.vm=ALL-UNNAMED: the size of
    // each parked handler's stack chunk (its capacity, in 8-byte words) and how much of it the parked frames use.
    private static void chunkSizes(Iterable<Thread> threads) {
        List<int[]> sizes = new ArrayList<>();
        try {
            java.lang.reflect.Field cont = Class.forName("java.lang.VirtualThread").getDeclaredField("cont");
            java.lang.reflect.Field tail = Class.forName("jdk.internal.vm.Continuation").getDeclaredField("tail");
            Class<?> chunk = Class.forName("jdk.internal.vm.StackChunk");
            java.lang.reflect.Field size = chunk.getDeclaredField("size");
            java.lang.reflect.Field sp = chunk.getDeclaredField("sp");
            java.lang.reflect.Field parent = chunk.getDeclaredField("parent");
            for (java.lang.reflect.Field f : List.of(cont, tail, size, sp, parent)) {
                f.setAccessible(true);
            }
            for (Thread t : threads) {
                Object c = tail.get(cont.get(t));
                int chunks = 0;
                int words = 0;
                int used = 0;
                for (; c != null; c = parent.get(c)) {
                    chunks++;
                    words += size.getInt(c);
                    used += size.getInt(c) - sp.getInt(c);
                }
                sizes.add(new int[] {words * 8, used * 8, chunks});
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.out.println("(stack chunk sizes need --add-opens java.base/java.lang=ALL-UNNAMED"
                    + " --add-opens java.base/jdk.internal.vm=ALL-UNNAMED: " + e + ")");
            return;
        }
        for (int k = 0; k < 2; k++) {
            int key = k;
            int[] v = sizes.stream().mapToInt(a -> a[key]).sorted().toArray();
            System.out.printf("stack chunk %s (B): min %d, p10 %d, median %d, p90 %d, max %d%n",
                    k == 0 ? "capacity" : "used by the parked frames", v[0], v[v.length / 10], v[v.length / 2],
                    v[v.length * 9 / 10], v[v.length - 1]);
        }
        System.out.printf("chunks per thread: max %d%n", sizes.stream().mapToInt(a -> a[2]).max().orElse(0));
        // By the order the handlers started: the threads that first parked while the code was cold keep their chunk
        StringBuilder tenths = new StringBuilder("capacity (B) by tenth of the handlers, in start order (median):");
        for (int d = 0; d < 10; d++) {
            int[] v = sizes.subList(sizes.size() * d / 10, sizes.size() * (d + 1) / 10).stream().mapToInt(a -> a[0])
                    .sorted().toArray();
            tenths.append(' ').append(v.length == 0 ? 0 : v[v.length / 2]);
        }
        System.out.println(tenths);
        java.util.TreeMap<Integer, Integer> byUsed = new java.util.TreeMap<>();
        sizes.forEach(a -> byUsed.merge(a[1], 1, Integer::sum));
        System.out.println("threads by bytes used: " + byUsed);
    }

    /**
     * Runs the measurement.
     *
     * @param args {@code [collector|raw|park] [N] [WARMUP_ROUNDS] [MESSAGES]}
     * @throws Exception if the server or a connection fails
     */
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "collector";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 3_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int messages = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        if (messages > 1 && mode.equals("park")) {
            throw new IllegalArgumentException("mode park echoes one message only");
        }
        ConcurrentLinkedQueue<Thread> handlers = new ConcurrentLinkedQueue<>();
        boolean nativeSockets = mode.startsWith("native-"); // the server's native transport
        if (nativeSockets) {
            mode = mode.substring("native-".length());
        }
        WebSocketServer.Handler echo = switch (mode) {
            case "raw" -> EchoHandlers::echoFrames;
            case "collector" -> EchoHandlers::echoMessages;
            // one echo, then parked outside the library: what the frames of the read path cost, by difference
            case "park" -> ws -> {
                ws.writeFrame(ws.readFrame());
                while (!ws.isClosed() && !parkedRelease) {
                    LockSupport.park();
                }
            };
            default -> throw new IllegalArgumentException("mode: collector, raw or park, not " + mode);
        };
        WebSocketServer.Handler recorded = ws -> {
            handlers.add(Thread.currentThread());
            echo.handle(ws);
        };
        WebSocketServer server = WebSocketServer.builder().bind("127.0.0.1", 0)
                .maxConnections(100_000).maxConnectionsPerAddress(Integer.MAX_VALUE)
                .nativeTransport(nativeSockets).handler(recorded).start();
        if (server.nativeTransport() != nativeSockets) {
            throw new IllegalStateException("the native transport is unavailable here (--enable-native-access?)");
        }
        int port = server.port();
        try (EventLoop loop = EventLoop.startOnPlatformThread("parked-handler-cost-clients")) {
            for (int r = 0; r < rounds; r++) {
                List<WebSocket> round = open(loop, port, 500);
                parkedRelease = true; // (mode park: its handlers read no Close while parked)
                handlers.forEach(LockSupport::unpark);
                for (WebSocket ws : round) {
                    ws.close();
                }
                // Until the warm-up's handlers have ended, their threads are in the histogram
                for (Thread t : handlers) {
                    t.join(10_000);
                }
                parkedRelease = false;
                handlers.clear();
            }
            Map<String, long[]> before = ParkedThreadCost.histogram();
            List<WebSocket> open = open(loop, port, n);
            Map<String, long[]> after = ParkedThreadCost.histogram();
            System.out.printf("%s handler, %d connections, %d warm-up rounds of 500, %s, JVM options %s%n", mode, n,
                    rounds, Runtime.version(),
                    java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
            StringBuilder rows = new StringBuilder();
            long total = ParkedThreadCost.growth(before, after, n, "connection", rows);
            System.out.print(rows);
            // (not all of the map nodes are the thread container's)
            System.out.printf("the classes above: %.0f B per connection%n", (double) total / n);
            chunkSizes(handlers);
            // More messages (MESSAGES > 1): each after the full GC of the histogram above, so every parked stack chunk
            // has been promoted when its thread parks again
            for (int m = 2; m <= messages; m++) {
                byte[] more = "twenty bytes, echoed".getBytes(StandardCharsets.US_ASCII);
                for (WebSocket ws : open) {
                    ws.writeFrame(new Frame(true, OpCode.TEXT, null, ByteBuffer.wrap(more)));
                    ws.readFrame();
                }
                Map<String, long[]> again = ParkedThreadCost.histogram();
                StringBuilder rows2 = new StringBuilder();
                long total2 = ParkedThreadCost.growth(before, again, n, "connection", rows2);
                System.out.printf("after message %d (a full GC before it): the classes above: %.0f B per connection%n",
                        m, (double) total2 / n);
                System.out.print(rows2);
                chunkSizes(handlers);
            }
            Thread one = handlers.peek();
            if (one != null) {
                System.out.println("one parked handler's stack:");
                for (StackTraceElement f : one.getStackTrace()) {
                    System.out.println("  " + f);
                }
            }
            parkedRelease = true;
            handlers.forEach(LockSupport::unpark);
            for (WebSocket ws : open) {
                ws.close();
            }
        } finally {
            server.close();
        }
    }
}
