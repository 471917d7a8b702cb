package io.fastwebsockets.spring;

import io.fastwebsockets.Frame;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.internal.server.Topics;
import io.fastwebsockets.server.Backplane;

/**
 * Named topics across the application's WebSocket connections, as {@code WebSocketServer}'s: a handler subscribes
 * its connection to a topic, and every message {@link #publish published} to the topic is sent to every subscriber,
 * framed once, never waiting for a slow one (see docs/pubsub.md). A connection's subscriptions end with it.
 *
 * <p>With a {@link Backplane} bean in the application (for example {@code RedisBackplane}, which the starter makes
 * from the {@code fastwebsockets.redis.*} properties when {@code fastwebsockets-redis} is on the class path), what is
 * published here also reaches the subscribers of every other node sharing the backplane, and theirs reach ours: at
 * most once across nodes, in order per publishing node and topic (docs/cluster.md). Inject this bean into a handler
 * bean to use it.
 */
public final class WebSocketTopics {
    private final Topics topics = new Topics();
    private final Backplane backplane;

    /**
     * Topics, joined to a cluster through a backplane if one is given.
     *
     * @param backplane the backplane, started here (and closed by Spring with its bean), or {@code null} for none
     */
    WebSocketTopics(Backplane backplane) {
        this.backplane = backplane;
        if (backplane != null) {
            topics.join(backplane); // as WebSocketServer's topics: local publishes reach the other nodes too
        }
    }

    /**
     * Subscribes a connection to a topic until it unsubscribes or closes. Thread-safe.
     *
     * @param ws a connection of one of the application's endpoints
     * @param topic the topic's name
     * @return whether it was not subscribed already; {@code false} for a closed connection (not subscribed)
     */
    public boolean subscribe(WebSocket ws, String topic) {
        return topics.subscribe(ws, topic);
    }

    /**
     * Ends one subscription. Thread-safe.
     *
     * @param ws the connection
     * @param topic the topic's name
     * @return whether it was subscribed
     */
    public boolean unsubscribe(WebSocket ws, String topic) {
        return topics.unsubscribe(ws, topic);
    }

    /**
     * Sends a message to every subscriber of a topic on this node, and through the backplane (if any) to the
     * subscribers on the other nodes. Never waits for a subscriber: each gets the message queued, and one whose queue
     * is over its bound gets its connection's slow-consumer policy. Thread-safe.
     *
     * @param topic the topic's name
     * @param frame an unfragmented, unmasked TEXT or BINARY frame; its payload is copied
     * @return the subscribers on this node the message was written or queued for
     */
    public int publish(String topic, Frame frame) {
        return topics.publish(topic, frame);
    }

    /**
     * @param topic the topic's name
     * @return how many connections of this node are subscribed to it now
     */
    public int subscriberCount(String topic) {
        return topics.subscriberCount(topic);
    }

    /** {@return the backplane's numbers, or {@code null} without a backplane} */
    public Backplane.Stats backplaneStats() {
        return backplane == null ? null : backplane.stats();
    }

    /** Ends a closed connection's subscriptions (called when its handler has ended). */
    void ended(WebSocket ws) {
        topics.unsubscribeAll(ws);
    }
}
