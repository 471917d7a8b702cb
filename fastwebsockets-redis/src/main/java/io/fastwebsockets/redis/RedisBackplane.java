package io.fastwebsockets.redis;

import io.fastwebsockets.OpCode;
import io.fastwebsockets.server.Backplane;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;

/**
 * A {@link Backplane} on Redis Pub/Sub: each topic is a Redis channel ({@code fastws:} + topic); a node subscribes to
 * a topic's channel only while it has a local subscriber of that topic.
 *
 * <pre>{@code
 * WebSocketServer node = WebSocketServer.builder()
 *         .backplane(RedisBackplane.builder("redis://127.0.0.1:6379").build())
 *         .handler(ws -> { ... })
 *         .start();
 * }</pre>
 *
 * <p><b>Connections.</b> Two per node: one subscribed (a thread of its own blocks reading it) and one that publishes
 * (a thread of its own drains a bounded queue into it, so {@link #publish} never waits for Redis). Jedis, a
 * blocking client, fits this shape: one connection, one thread, no event loop of its own.
 *
 * <p><b>Guarantees.</b> At most once across nodes: a message is published to Redis once; while Redis cannot be
 * reached, or the queue to it is full ({@link Builder#maxQueued}), a message is dropped and counted in
 * {@link Stats#lost()}; messages Redis delivered while a node was disconnected are not replayed (Redis Pub/Sub keeps
 * nothing). Order is kept per publishing node and topic: one thread publishes, in order, on one connection, and Redis
 * delivers each channel's messages in order. Local publishes never depend on Redis.
 *
 * <p><b>Failures.</b> After a connection fails, both sides reconnect with exponential backoff (from
 * {@link Builder#reconnectBackoff}'s minimum, doubling to its maximum) and the subscriber subscribes again to every
 * topic this node has subscribers of. A node does not receive its own messages back (each carries its node's id).
 */
public final class RedisBackplane implements Backplane {
    private static final Logger LOG = Logger.getLogger(RedisBackplane.class.getName());
    private static final byte MAGIC = 'F';
    private static final int HEADER = 2 + Long.BYTES; // magic, opcode, node id

    private final HostAndPort address;
    private final JedisClientConfig config;
    private final byte[] prefix;
    private final long nodeId = new SecureRandom().nextLong();
    private final byte[] control; // a channel of this node's own, so the subscription is never empty
    private final ArrayBlockingQueue<byte[][]> outbox;
    private final Duration minBackoff;
    private final Duration maxBackoff;

    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    private final ReentrantLock subscriptionLock = new ReentrantLock();
    private Listener listener; // under subscriptionLock: the subscribed connection's listener once it is ready
    private volatile boolean subscriberUp;
    private volatile boolean publisherUp;
    private volatile boolean closed;
    private volatile Node node;
    private volatile Jedis subscriberConnection;
    private Thread subscriber;
    private Thread publisher;

    private final LongAdder published = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final AtomicLong reconnects = new AtomicLong();

    private RedisBackplane(Builder b) {
        URI uri = b.uri;
        boolean tls = "rediss".equalsIgnoreCase(uri.getScheme());
        this.address = new HostAndPort(uri.getHost(), uri.getPort() == -1 ? 6379 : uri.getPort());
        DefaultJedisClientConfig.Builder c = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) b.connectTimeout.toMillis())
                .socketTimeoutMillis((int) b.connectTimeout.toMillis())
                .ssl(tls)
                .clientName("fastwebsockets-backplane");
        String user = b.user;
        String password = b.password;
        if (password == null && uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            String u = colon < 0 ? "" : URLDecoder.decode(info.substring(0, colon), StandardCharsets.UTF_8);
            password = URLDecoder.decode(colon < 0 ? info : info.substring(colon + 1), StandardCharsets.UTF_8);
            if (user == null && !u.isEmpty()) {
                user = u;
            }
        }
        if (user != null) {
            c.user(user);
        }
        if (password != null) {
            c.password(password);
        }
        if (tls && b.sslContext != null) {
            c.sslSocketFactory(b.sslContext.getSocketFactory());
        }
        this.config = c.build();
        this.prefix = b.channelPrefix.getBytes(StandardCharsets.UTF_8);
        this.control = concat(prefix, ("\0node:" + Long.toHexString(nodeId)).getBytes(StandardCharsets.UTF_8));
        this.outbox = new ArrayBlockingQueue<>(b.maxQueued);
        this.minBackoff = b.minBackoff;
        this.maxBackoff = b.maxBackoff;
    }

    /**
     * @param uri {@code redis://[[user]:password@]host[:port]}, or {@code rediss://} for TLS
     * @return a builder
     */
    public static Builder builder(String uri) {
        return new Builder(URI.create(Objects.requireNonNull(uri, "uri")));
    }

    @Override
    public synchronized void start(Node node) {
        if (this.node != null) {
            throw new IllegalStateException("already started");
        }
        this.node = Objects.requireNonNull(node, "node");
        subscriber = Thread.ofPlatform().daemon().name("fastwebsockets-redis-subscriber").start(this::subscribeLoop);
        publisher = Thread.ofPlatform().daemon().name("fastwebsockets-redis-publisher").start(this::publishLoop);
    }

    @Override
    public void publish(String topic, OpCode opcode, ByteBuffer payload) {
        if (closed) {
            return;
        }
        byte[] message = new byte[HEADER + payload.remaining()];
        message[0] = MAGIC;
        message[1] = (byte) (opcode == OpCode.TEXT ? 1 : 2);
        ByteBuffer.wrap(message, 2, Long.BYTES).putLong(nodeId);
        payload.duplicate().get(message, HEADER, payload.remaining());
        if (!outbox.offer(new byte[][] {channel(topic), message})) {
            lost.increment(); // Redis is down or slower than the publishers: at most once
        }
    }

    @Override
    public void subscribe(String topic) {
        if (!topics.add(topic)) {
            return;
        }
        subscriptionLock.lock();
        try {
            if (listener != null) {
                listener.subscribe(channel(topic));
            } // else: the subscriber subscribes to every topic of the set when its connection is ready
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "subscribe failed; the reconnect will subscribe again", e);
        } finally {
            subscriptionLock.unlock();
        }
    }

    @Override
    public void unsubscribe(String topic) {
        if (!topics.remove(topic)) {
            return;
        }
        subscriptionLock.lock();
        try {
            if (listener != null) {
                listener.unsubscribe(channel(topic));
            }
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "unsubscribe failed; the reconnect subscribes only to the topics left", e);
        } finally {
            subscriptionLock.unlock();
        }
    }

    @Override
    public Stats stats() {
        return new Stats(subscriberUp && publisherUp, published.sum(), received.sum(), lost.sum(), reconnects.get());
    }

    /** @return the topics this node listens to on Redis now (those it has local subscribers of) */
    public Set<String> topics() {
        return Set.copyOf(topics);
    }

    @Override
    public void close() {
        closed = true;
        Jedis s = subscriberConnection;
        if (s != null) {
            try {
                s.disconnect(); // ends the blocking read of the subscribe loop
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
        if (publisher != null) {
            publisher.interrupt();
        }
        try {
            if (subscriber != null) {
                subscriber.join(5_000);
            }
            if (publisher != null) {
                publisher.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lost.add(outbox.size());
        outbox.clear();
    }

    // ------------------------------------------------------------------------------------------------- subscriber

    private void subscribeLoop() {
        long backoff = minBackoff.toMillis();
        boolean wasUp = false;
        while (!closed) {
            Listener l = new Listener();
            try (Jedis j = new Jedis(address, config)) {
                subscriberConnection = j;
                if (closed) {
                    break;
                }
                j.subscribe(l, control); // blocks until the connection fails or close() cuts it
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.log(Level.FINE, "Redis subscriber connection failed: " + e);
                }
            } finally {
                subscriberConnection = null;
                subscriptionLock.lock();
                try {
                    listener = null;
                } finally {
                    subscriptionLock.unlock();
                }
            }
            if (l.ready) {
                wasUp = true;
                backoff = minBackoff.toMillis();
            }
            subscriberUp = false;
            if (!closed) {
                sleep(backoff);
                backoff = Math.min(backoff * 2, maxBackoff.toMillis());
            }
        }
    }

    private final class Listener extends BinaryJedisPubSub {
        volatile boolean ready;

        @Override
        public void onSubscribe(byte[] channel, int subscribedChannels) {
            if (!ready && Arrays.equals(channel, control)) {
                // Connected and listening: from here on, subscribe() goes straight to this connection; every topic
                // already in the set (including those added while we were connecting) is subscribed now, once.
                subscriptionLock.lock();
                try {
                    ready = true;
                    listener = this;
                    Object[] now = topics.toArray();
                    if (now.length > 0) {
                        byte[][] channels = new byte[now.length][];
                        for (int i = 0; i < now.length; i++) {
                            channels[i] = channel((String) now[i]);
                        }
                        subscribe(channels);
                    }
                } finally {
                    subscriptionLock.unlock();
                }
                if (subscriberEverUp) {
                    reconnects.incrementAndGet();
                }
                subscriberEverUp = true;
                subscriberUp = true;
            }
        }

        @Override
        public void onMessage(byte[] channel, byte[] message) {
            if (message.length < HEADER || message[0] != MAGIC
                    || channel.length < prefix.length || Arrays.equals(channel, control)) {
                return; // not one of ours
            }
            if (ByteBuffer.wrap(message, 2, Long.BYTES).getLong() == nodeId) {
                return; // our own publish, delivered here already
            }
            OpCode op = message[1] == 1 ? OpCode.TEXT : OpCode.BINARY;
            String topic = new String(channel, prefix.length, channel.length - prefix.length, StandardCharsets.UTF_8);
            Node n = node;
            if (n != null) {
                try {
                    n.deliver(topic, op, ByteBuffer.wrap(message, HEADER, message.length - HEADER));
                    received.increment();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "delivering a message from Redis failed", e);
                }
            }
        }
    }

    private volatile boolean subscriberEverUp;

    // -------------------------------------------------------------------------------------------------- publisher

    private void publishLoop() {
        long backoff = minBackoff.toMillis();
        long retryAt = System.nanoTime();
        try {
            while (!closed) {
                if (publishing == null && System.nanoTime() - retryAt >= 0) {
                    backoff = connectPublisher() ? minBackoff.toMillis() : Math.min(backoff * 2, maxBackoff.toMillis());
                    retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
                }
                byte[][] m = outbox.poll(100, TimeUnit.MILLISECONDS);
                if (m == null) {
                    continue;
                }
                if (publishing == null && System.nanoTime() - lastAttempt >= minBackoff.toNanos()) {
                    connectPublisher(); // a message waits: try now rather than at the end of a long backoff
                }
                if (publishing == null) {
                    lost.increment(); // down: at most once
                    continue;
                }
                try {
                    publishing.publish(m[0], m[1]);
                    published.increment();
                } catch (RuntimeException e) {
                    lost.increment();
                    closeQuietly(publishing);
                    publishing = null;
                    publisherUp = false;
                    retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
                }
            }
        } catch (InterruptedException e) {
            // close()
        } finally {
            closeQuietly(publishing);
            publishing = null;
            publisherUp = false;
        }
    }

    // The publishing thread's connection, and when it last tried to make one.
    private Jedis publishing;
    private long lastAttempt;

    private boolean connectPublisher() {
        lastAttempt = System.nanoTime();
        Jedis j = null;
        try {
            j = new Jedis(address, config);
            j.ping();
            if (publisherEverUp) {
                reconnects.incrementAndGet();
            }
            publisherEverUp = true;
            publisherUp = true;
            publishing = j;
            return true;
        } catch (RuntimeException e) {
            closeQuietly(j);
            publisherUp = false;
            return false;
        }
    }

    private volatile boolean publisherEverUp;

    private static void closeQuietly(Jedis j) {
        if (j != null) {
            try {
                j.close();
            } catch (RuntimeException ignored) {
                // going anyway
            }
        }
    }

    private byte[] channel(String topic) {
        return concat(prefix, topic.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Settings of a {@link RedisBackplane}. */
    public static final class Builder {
        private final URI uri;
        private String user;
        private String password;
        private SSLContext sslContext;
        private String channelPrefix = "fastws:";
        private int maxQueued = 65_536;
        private Duration minBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(2);
        private Duration connectTimeout = Duration.ofSeconds(2);

        private Builder(URI uri) {
            String scheme = uri.getScheme();
            if (!"redis".equalsIgnoreCase(scheme) && !"rediss".equalsIgnoreCase(scheme)) {
                throw new IllegalArgumentException("not a redis:// or rediss:// URI: " + uri);
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("URI without a host: " + uri);
            }
            this.uri = uri;
        }

        /**
         * The password (Redis {@code AUTH}), instead of one in the URI; keep it out of command lines.
         *
         * @param password the password
         * @return this builder
         */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /**
         * The ACL user name (Redis 6+), with {@link #password}.
         *
         * @param user the user
         * @return this builder
         */
        public Builder user(String user) {
            this.user = user;
            return this;
        }

        /**
         * The TLS context for a {@code rediss://} URI. Default: the JDK's default context.
         *
         * @param context the context
         * @return this builder
         */
        public Builder sslContext(SSLContext context) {
            this.sslContext = context;
            return this;
        }

        /**
         * The prefix of the Redis channels, so that several applications can share one Redis. Default
         * {@code fastws:}.
         *
         * @param prefix the prefix
         * @return this builder
         */
        public Builder channelPrefix(String prefix) {
            this.channelPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /**
         * How many messages may wait for the publishing connection; beyond it a publish to other nodes is dropped
         * and counted as lost. Default 65,536.
         *
         * @param messages the bound
         * @return this builder
         */
        public Builder maxQueued(int messages) {
            if (messages < 1) {
                throw new IllegalArgumentException("maxQueued must be at least 1");
            }
            this.maxQueued = messages;
            return this;
        }

        /**
         * The wait before reconnecting after a failure: from {@code min}, doubling up to {@code max}. Default 100 ms
         * to 2 s.
         *
         * @param min the first wait
         * @param max the longest wait
         * @return this builder
         */
        public Builder reconnectBackoff(Duration min, Duration max) {
            if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
                throw new IllegalArgumentException("need 0 < min <= max");
            }
            this.minBackoff = min;
            this.maxBackoff = max;
            return this;
        }

        /**
         * Bounds connecting to Redis (and each command of the publishing connection). Default 2 s.
         *
         * @param timeout the bound
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** @return the backplane, to pass to {@code WebSocketServer.Builder.backplane} */
        public RedisBackplane build() {
            return new RedisBackplane(this);
        }
    }
}
