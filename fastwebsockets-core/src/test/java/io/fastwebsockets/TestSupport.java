package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Small helpers shared by the connection tests. */
final class TestSupport {
    /** Hang guard for waiting on background work; never a timing assertion. */
    static final long GUARD_SECONDS = 20;

    private TestSupport() {
    }

    /** A task running on its own virtual thread. */
    static final class Background<T> {
        final Thread thread;
        private final FutureTask<T> task;

        private Background(Callable<T> c, String name) {
            task = new FutureTask<>(c);
            thread = Thread.ofVirtual().name(name).start(task);
        }

        /** Waits (bounded by the hang guard) and returns the result, rethrowing the task's failure. */
        T get() throws Exception {
            try {
                return task.get(GUARD_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception ex) {
                    throw ex;
                }
                throw new AssertionError(e.getCause());
            } catch (TimeoutException e) {
                thread.interrupt();
                throw new AssertionError("background task '" + thread.getName() + "' did not finish", e);
            }
        }

        /** Waits and returns the exception the task threw; fails if it returned normally. */
        Throwable failure() throws Exception {
            try {
                T value = task.get(GUARD_SECONDS, TimeUnit.SECONDS);
                throw new AssertionError("expected '" + thread.getName() + "' to fail, it returned " + value);
            } catch (ExecutionException e) {
                return e.getCause();
            } catch (TimeoutException e) {
                thread.interrupt();
                throw new AssertionError("background task '" + thread.getName() + "' did not finish", e);
            }
        }

        boolean isDone() {
            return task.isDone();
        }
    }

    static <T> Background<T> background(String name, Callable<T> c) {
        return new Background<>(c, name);
    }

    /**
     * Waits until {@code t} is inside {@code WebSocket.readFrame}, holding the connection's read lock and blocked
     * reading: in {@code ReadBuffer.fill}, or (over an {@link EventLoop}, with nothing buffered) waiting for the
     * loop's report straight from {@code WebSocketReader.readFrame}. Deterministic replacement for a sleep.
     */
    static void awaitInsideReadFrame(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (System.nanoTime() < deadline) {
            StackTraceElement[] stack = t.getStackTrace();
            for (int i = 0; i < stack.length; i++) {
                StackTraceElement e = stack[i];
                if (e.getClassName().equals(ReadBuffer.class.getName()) && e.getMethodName().equals("fill")) {
                    return;
                }
                if (e.getClassName().equals(LoopTransport.class.getName()) && e.getMethodName().equals("awaitReadable")
                        && i + 1 < stack.length && stack[i + 1].getClassName().equals(WebSocketReader.class.getName())
                        && stack[i + 1].getMethodName().equals("readFrame")) {
                    return;
                }
            }
            Thread.sleep(2);
        }
        fail("thread " + t + " never blocked in readFrame");
    }

    /** Deterministic pseudo-random bytes. */
    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Valid UTF-8 of exactly {@code n} bytes mixing 1-, 2-, 3- and 4-byte sequences. */
    static byte[] utf8OfLength(int n, long seed) {
        Random r = new Random(seed);
        byte[] out = new byte[n];
        int i = 0;
        while (i < n) {
            int room = n - i;
            int want = 1 + r.nextInt(4);
            int len = Math.min(want, room);
            switch (len) {
                case 1 -> out[i] = (byte) (0x20 + r.nextInt(0x5F));
                case 2 -> { // U+0080..U+07FF
                    int cp = 0x80 + r.nextInt(0x780);
                    out[i] = (byte) (0xC0 | cp >> 6);
                    out[i + 1] = (byte) (0x80 | cp & 0x3F);
                }
                case 3 -> { // U+0800..U+FFFF minus surrogates
                    int cp;
                    do {
                        cp = 0x800 + r.nextInt(0xF800);
                    } while (cp >= 0xD800 && cp <= 0xDFFF);
                    out[i] = (byte) (0xE0 | cp >> 12);
                    out[i + 1] = (byte) (0x80 | cp >> 6 & 0x3F);
                    out[i + 2] = (byte) (0x80 | cp & 0x3F);
                }
                default -> { // U+10000..U+10FFFF
                    int cp = 0x10000 + r.nextInt(0x100000);
                    out[i] = (byte) (0xF0 | cp >> 18);
                    out[i + 1] = (byte) (0x80 | cp >> 12 & 0x3F);
                    out[i + 2] = (byte) (0x80 | cp >> 6 & 0x3F);
                    out[i + 3] = (byte) (0x80 | cp & 0x3F);
                }
            }
            i += len;
        }
        return out;
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(b.position(), a);
        return a;
    }

    /** Asserts equal content, reporting the first difference instead of dumping megabytes. */
    static void assertSameBytes(byte[] expected, byte[] actual, String what) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        int at = Arrays.mismatch(expected, actual);
        if (at >= 0) {
            fail(what + ": first difference at byte " + at + " of " + expected.length);
        }
    }
}
