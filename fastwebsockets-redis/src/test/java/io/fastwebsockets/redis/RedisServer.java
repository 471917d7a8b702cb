package io.fastwebsockets.redis;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian's redis-server package) on a free loopback port, for tests. Missing, it fails
 * the test with the command that installs it: the project's test command never skips a peer silently.
 */
final class RedisServer implements AutoCloseable {
    static final String BINARY = "/usr/bin/redis-server";

    final int port;
    private final Path dir;
    private Process process;

    private RedisServer(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    static RedisServer start() throws IOException, InterruptedException {
        return start(freePort());
    }

    static RedisServer start(int port) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(BINARY))) {
            throw new IllegalStateException("redis-server is missing: install it with "
                    + "`sudo apt-get install -y redis-server` (the test command does this; see .ci/run)");
        }
        RedisServer r = new RedisServer(port, Files.createTempDirectory("fastws-redis"));
        r.launch();
        return r;
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts redis-server (again, after {@link #kill()}) on the same port. */
    void launch() throws IOException, InterruptedException {
        process = new ProcessBuilder(List.of(BINARY, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("redis-server exited: " + Files.readString(dir.resolve("redis.log")));
                }
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("redis-server did not listen on " + port + " within 10 s");
    }

    /** Kills redis-server with SIGKILL, as a crash would. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    /** @return how many subscribers Redis counts on a channel (-1 while it is down): what tests wait on */
    long numsub(String channel) {
        try (redis.clients.jedis.Jedis j = new redis.clients.jedis.Jedis("127.0.0.1", port)) {
            return j.pubsubNumSub(channel).getOrDefault(channel, 0L);
        } catch (RuntimeException down) {
            return -1;
        }
    }

    /** Waits up to 15 s for a condition, failing with {@code what}. */
    static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        await(condition, what, 15);
    }

    /** Waits up to {@code seconds} for a condition, failing with {@code what}. */
    static void await(java.util.function.BooleanSupplier condition, String what, int seconds)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
