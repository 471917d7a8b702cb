package io.fastwebsockets.bench.memory;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import javax.management.ObjectName;

/**
 * What a parked virtual thread keeps on the heap, with none of this project's code on its stack: N virtual threads,
 * each parked in {@link LockSupport#park()} under D frames of a trivial recursive method, and the class histogram's
 * bytes per thread for the classes a parked virtual thread holds ({@code StackChunk}, {@code VirtualThread}, its
 * continuation, the thread container's entry). It is the floor under any blocking handler shape of issue 21: a
 * connection served by a parked thread costs at least this plus its socket.
 *
 * <pre>
 * java -cp fastwebsockets-bench/target/classes io.fastwebsockets.bench.memory.ParkedThreadCost [N] [DEPTH...]
 * </pre>
 *
 * Defaults: N = 10,000 threads, depths 0, 5, 10 and 20. Each depth is measured on fresh threads after the same
 * method has run parked and been woken on 20 rounds of 2,000 threads (so the frames are compiled, as a server's
 * are after its warm-up; {@code -Drounds=K} runs K rounds, {@code -Drounds=0} measures a cold JVM's first threads);
 * the histogram runs a full GC first. With {@code -Dagain=M}, the measured threads are then woken and parked again M
 * times, each followed by the measure (a thread in use after the full GC: whether it keeps a second stack chunk). The
 * threads of one depth are woken and joined before the next depth.
 */
public final class ParkedThreadCost {
    private static volatile boolean release;
    private static final AtomicInteger woken = new AtomicInteger();

    private ParkedThreadCost() {
    }

    private static void parkUnder(int depth, CountDownLatch parked) {
        if (depth > 0) {
            parkUnder(depth - 1, parked);
            return;
        }
        parked.countDown();
        while (!release) {
            LockSupport.park();
            if (!release) {
                woken.incrementAndGet();
            }
        }
    }

    // Wakes every thread without releasing it (each parks again at once) and waits until all are parked again: a
    // thread in use, whose stack was thawed after the full GC of the measure before and frozen anew.
    private static void wakeAndRepark(List<Thread> threads) throws InterruptedException {
        woken.set(0);
        threads.forEach(LockSupport::unpark);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (woken.get() < threads.size() || !threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("threads did not park again within 60 s");
            }
            Thread.sleep(10);
        }
    }

    private static List<Thread> startParked(int count, int depth) throws InterruptedException {
        CountDownLatch parked = new CountDownLatch(count);
        List<Thread> threads = new ArrayList<>(count);
        release = false;
        for (int i = 0; i < count; i++) {
            threads.add(Thread.ofVirtual().start(() -> parkUnder(depth, parked)));
        }
        parked.await();
        return threads;
    }

    private static void wakeAndJoin(List<Thread> threads) throws InterruptedException {
        release = true;
        threads.forEach(LockSupport::unpark);
        for (Thread t : threads) {
            t.join();
        }
    }

    // Bytes held by the classes of interest, from the in-process class histogram (a full GC first)
    static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, long[]> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                String cls = f[3];
                if (cls.equals("jdk.internal.vm.StackChunk") || cls.equals("java.lang.VirtualThread")
                        || cls.startsWith("java.lang.VirtualThread$") || cls.startsWith("jdk.internal.vm.Continuation")
                        || cls.startsWith("jdk.internal.vm.ThreadContainers")
                        || cls.startsWith("java.util.concurrent.ConcurrentHashMap$Node")) {
                    out.put(cls, new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
                }
            }
        }
        return out;
    }

    // One row per class that grew from before to after, per unit (thread, connection) of n; returns the bytes in all
    static long growth(Map<String, long[]> before, Map<String, long[]> after, int n, String unit, StringBuilder rows) {
        long total = 0;
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            long bytes = e.getValue()[1] - b[1];
            if (bytes > 0) {
                total += bytes;
                rows.append(String.format("  %-60s %6.2f per %s, %7.1f B per %s%n", e.getKey(),
                        (double) (e.getValue()[0] - b[0]) / n, unit, (double) bytes / n, unit));
            }
        }
        return total;
    }

    /**
     * Runs the measurement and prints one block per depth.
     *
     * @param args {@code [N] [DEPTH...]}
     * @throws Exception if the histogram cannot be taken
     */
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        List<Integer> depths = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            depths.add(Integer.parseInt(args[i]));
        }
        if (depths.isEmpty()) {
            depths.addAll(List.of(0, 5, 10, 20));
        }
        int rounds = Integer.getInteger("rounds", 20);
        int again = Integer.getInteger("again", 0);
        System.out.printf("%d virtual threads per depth, %d warm-up rounds, %s, JVM options %s%n", n, rounds,
                Runtime.version(), ManagementFactory.getRuntimeMXBean().getInputArguments());
        for (int depth : depths) {
            for (int round = 0; round < rounds; round++) {
                List<Thread> warm = startParked(2_000, depth);
                if (again > 0) {
                    wakeAndRepark(warm); // the measured path, compiled: its first run would deoptimize the frame
                }
                wakeAndJoin(warm);
            }
            Map<String, long[]> before = histogram();
            List<Thread> threads = startParked(n, depth);
            Map<String, long[]> after = histogram();
            StringBuilder rows = new StringBuilder();
            long total = growth(before, after, n, "thread", rows);
            System.out.printf("depth %d: %.0f B per parked thread%n%s", depth, (double) total / n, rows);
            for (int i = 1; i <= again; i++) {
                wakeAndRepark(threads);
                Map<String, long[]> later = histogram();
                rows.setLength(0);
                total = growth(before, later, n, "thread", rows);
                System.out.printf("depth %d, woken and parked again (%d): %.0f B per parked thread%n%s", depth, i,
                        (double) total / n, rows);
            }
            wakeAndJoin(threads);
        }
    }
}
