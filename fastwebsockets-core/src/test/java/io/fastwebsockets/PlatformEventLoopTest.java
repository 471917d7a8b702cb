package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every {@link EventLoopTest} again, with the loop on a platform thread ({@link EventLoop#startOnPlatformThread}). */
class PlatformEventLoopTest extends EventLoopTest {
    @Override
    EventLoop newLoop(String name) throws IOException {
        return EventLoop.startOnPlatformThread(name);
    }

    @Test
    void theLoopRunsOnAPlatformDaemonThread() throws Exception {
        try (EventLoop loop = EventLoop.startOnPlatformThread("platform-loop-test")) {
            CompletableFuture<Thread> ran = new CompletableFuture<>();
            assertTrue(loop.execute(() -> ran.complete(Thread.currentThread())));
            Thread t = ran.get(10, TimeUnit.SECONDS);
            assertFalse(t.isVirtual(), t.toString());
            assertTrue(t.isDaemon(), "an open loop must not keep the JVM alive");
            assertTrue(t.getName().equals("platform-loop-test"), t.getName());
        }
    }
}
