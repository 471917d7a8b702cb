package io.fastwebsockets.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.OpCode;
import io.fastwebsockets.server.Backplane;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two backplane nodes over a real redis-server: delivery, order, own messages, subscriptions, a Redis restart. */
@Timeout(60)
class RedisBackplaneTest {
    /** A node that records what the backplane delivers to it. */
    static final class Recorder implements Backplane.Node {
        final LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();

        @Override
        public int deliver(String topic, OpCode opcode, ByteBuffer payload) {
            got.add(topic + "|" + opcode + "|" + StandardCharsets.UTF_8.decode(payload));
            return 1;
        }

        String next() throws InterruptedException {
            return got.poll(10, TimeUnit.SECONDS);
        }
    }

    private static RedisBackplane node(RedisServer redis) {
        return RedisBackplane.builder(redis.uri()).reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(400))
                .build();
    }

    private static void publish(Backplane b, String topic, String text) {
        b.publish(topic, OpCode.TEXT, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer());
    }

    @Test
    void messagesReachTheOtherNodesSubscribersInPublishOrderAndNeverComeBack() throws Exception {
        try (RedisServer redis = RedisServer.start(); RedisBackplane a = node(redis); RedisBackplane b = node(redis)) {
            Recorder atA = new Recorder();
            Recorder atB = new Recorder();
            a.start(atA);
            b.start(atB);
            b.subscribe("news");
            a.subscribe("news"); // a listens too: its own messages must not come back to it
            RedisServer.await(() -> redis.numsub("fastws:news") == 2, "both nodes subscribed");
            RedisServer.await(() -> a.stats().connected() && b.stats().connected(), "both connected");
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                publish(a, "news", "m" + i);
                sent.add("news|TEXT|m" + i);
            }
            publish(a, "sports", "not subscribed by anyone");
            b.publish("news", OpCode.BINARY, ByteBuffer.wrap(new byte[] {'x'}));
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                got.add(atB.next());
            }
            assertEquals(sent, got, "b receives a's messages, all, in a's order");
            assertEquals("news|BINARY|x", atA.next(), "a receives b's message, opcode kept");
            assertEquals(null, atA.got.poll(200, TimeUnit.MILLISECONDS), "a never receives its own messages");
            assertEquals(null, atB.got.poll(0, TimeUnit.MILLISECONDS), "nor b messages of topics it has not");
            assertEquals(501, a.stats().published());
            assertEquals(500, b.stats().received());
            assertEquals(0, a.stats().lost());
        }
    }

    @Test
    void aNodeListensToATopicOnlyWhileItHasSubscribers() throws Exception {
        try (RedisServer redis = RedisServer.start(); RedisBackplane a = node(redis)) {
            a.start(new Recorder());
            RedisServer.await(() -> a.stats().connected(), "connected");
            assertEquals(0, redis.numsub("fastws:chat"));
            a.subscribe("chat");
            RedisServer.await(() -> redis.numsub("fastws:chat") == 1, "subscribed to the channel");
            a.unsubscribe("chat");
            RedisServer.await(() -> redis.numsub("fastws:chat") == 0, "unsubscribed from the channel");
        }
    }

    @Test
    void afterRedisRestartsTheNodesResubscribeAndTheLossIsCounted() throws Exception {
        try (RedisServer redis = RedisServer.start(); RedisBackplane a = node(redis); RedisBackplane b = node(redis)) {
            Recorder atB = new Recorder();
            a.start(new Recorder());
            b.start(atB);
            b.subscribe("t");
            RedisServer.await(() -> redis.numsub("fastws:t") == 1 && a.stats().connected(), "ready");
            publish(a, "t", "before");
            assertEquals("t|TEXT|before", atB.next());

            redis.kill();
            RedisServer.await(() -> !a.stats().connected() && !b.stats().connected(), "both see Redis gone");
            for (int i = 0; i < 10; i++) {
                publish(a, "t", "during " + i);
            }
            RedisServer.await(() -> a.stats().lost() == 10, "the 10 publishes of the outage counted as lost");

            redis.launch(); // same port, empty: no subscriptions until the nodes make them again
            // The bound: flowing again within 5 s of the restart (backoff here at most 400 ms).
            RedisServer.await(() -> redis.numsub("fastws:t") == 1 && a.stats().connected(), "resubscribed and reconnected", 5);
            publish(a, "t", "after");
            assertEquals("t|TEXT|after", atB.next(), "publishes flow again, and nothing of the outage is replayed");
            assertTrue(a.stats().reconnects() >= 1 && b.stats().reconnects() >= 1);
        }
    }
}
