package io.fastwebsockets.internal.server;

import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.internal.ConnectionAccess;
import io.fastwebsockets.internal.codec.FrameEncoder;
import io.fastwebsockets.internal.deflate.MessageDeflater;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Named topics of one server, after uWebSockets' subscribe/publish: connections subscribe to topics, a publish
 * frames the message once and hands the same bytes to every subscriber's outbound queue.
 *
 * <p><b>Encode once.</b> A publish builds one frame (header and payload in one buffer) and puts that same buffer into
 * each subscriber's queue until the bytes are written, so a message queued for a thousand slow subscribers is in
 * memory once, with no object per subscriber. Subscribers that agreed on permessage-deflate without server context takeover
 * share one compressed frame, compressed by the first of them the publish reaches; with context takeover each
 * connection compresses the message with its own window when it writes it (the shared uncompressed payload is what
 * waits in its queue). What queues for one connection goes out coalesced, in one gathering write.
 *
 * <p><b>Never waits.</b> The publisher only queues: each subscriber's queue is drained by a thread of that
 * connection, so what several publishes queue for one subscriber before its drainer runs goes out in one gathering
 * write (a publisher writing inline made one system call per subscriber and message). A subscriber whose queue is over
 * its bound gets its slow-consumer policy: FAIL (and BLOCK, since a publish must not wait) skip it for this message,
 * CLOSE closes it with 1008. One slow subscriber neither holds the publisher nor delays the others.
 *
 * <p><b>Threads.</b> Every method may be called from any thread. Subscriber lists are copy-on-write arrays: a
 * publish reads one without a lock, (un)subscribing copies it. Messages published by one thread reach each
 * subscriber in that order.
 *
 * <p><b>A backplane.</b> A publish forwards (topic, opcode, payload) to the {@link Forwarder} if one is set, after
 * delivering locally; a message received from other nodes is delivered with {@link #deliverLocally}, which never
 * forwards. Framed bytes never cross the hook: each node frames (and compresses) once for its own subscribers. A
 * forwarder that fails does not fail the publish (local delivery has happened); its failures are counted.
 */
public final class Topics {
    /** Where a publish goes beyond this server: the seam for a cluster backplane (issue #18). */
    @FunctionalInterface
    public interface Forwarder {
        /**
         * Called after each local publish, in the publisher's thread, in publish order.
         *
         * @param topic the topic
         * @param opcode TEXT or BINARY
         * @param payload the message (read-only view, valid for as long as the forwarder keeps it)
         */
        void forward(String topic, OpCode opcode, ByteBuffer payload);
    }

    private static final WebSocket[] NONE = new WebSocket[0];

    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
    // The topics of each subscribed connection, to end its subscriptions with it. Only subscribed connections have an
    // entry.
    private final ConcurrentHashMap<WebSocket, Set<String>> byConnection = new ConcurrentHashMap<>();
    private final LongAdder framesEncoded = new LongAdder();
    private final LongAdder framesCompressed = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder forwardFailures = new LongAdder();
    private volatile Forwarder forwarder;
    private volatile Membership membership;

    /** Told when this server gains its first subscriber of a topic and loses its last: a backplane listens to those. */
    public interface Membership {
        /** @param topic a topic that had no subscriber here and now has one */
        void first(String topic);

        /** @param topic a topic whose last subscriber here has gone */
        void last(String topic);
    }

    /**
     * Sets the membership hook (called under the topic's lock, so that a topic's first and last calls alternate).
     *
     * @param m the hook, or {@code null}
     */
    public void setMembership(Membership m) {
        this.membership = m;
    }

    private static final class Topic {
        final ReentrantLock lock = new ReentrantLock();
        volatile WebSocket[] subscribers = NONE;
        boolean removed; // under lock: taken out of the map when it emptied; a subscribe then makes a new one
    }

    /**
     * Subscribes a connection to a topic.
     *
     * @param ws a server-role connection
     * @param topic the topic
     * @return whether it was not subscribed already (false also for a closed connection, which is not subscribed)
     */
    public boolean subscribe(WebSocket ws, String topic) {
        Objects.requireNonNull(ws, "ws");
        Objects.requireNonNull(topic, "topic");
        if (ws.role() != Role.SERVER) {
            throw new IllegalArgumentException("only a server-role connection can subscribe (a client masks)");
        }
        if (ws.isClosed()) {
            return false;
        }
        boolean added;
        while (true) {
            Topic t = topics.computeIfAbsent(topic, k -> new Topic());
            t.lock.lock();
            try {
                if (t.removed) {
                    continue;
                }
                WebSocket[] s = t.subscribers;
                added = indexOf(s, ws) < 0;
                if (added) {
                    WebSocket[] grown = Arrays.copyOf(s, s.length + 1);
                    grown[s.length] = ws;
                    t.subscribers = grown;
                    Membership m = membership;
                    if (s.length == 0 && m != null) {
                        m.first(topic);
                    }
                }
            } finally {
                t.lock.unlock();
            }
            break;
        }
        byConnection.computeIfAbsent(ws, k -> ConcurrentHashMap.newKeySet()).add(topic);
        if (ws.isClosed()) {
            // Closed meanwhile: its unsubscribeAll may have run before this subscription existed.
            unsubscribe(ws, topic);
            return false;
        }
        return added;
    }

    /**
     * @param ws a connection
     * @param topic the topic
     * @return whether it was subscribed
     */
    public boolean unsubscribe(WebSocket ws, String topic) {
        byConnection.computeIfPresent(ws, (k, set) -> {
            set.remove(topic);
            return set.isEmpty() ? null : set;
        });
        return removeFromTopic(ws, topic);
    }

    /**
     * Ends every subscription of a connection (called when it closes).
     *
     * @param ws the connection
     */
    public void unsubscribeAll(WebSocket ws) {
        Set<String> set = byConnection.remove(ws);
        if (set != null) {
            for (String topic : set) {
                removeFromTopic(ws, topic);
            }
        }
    }

    private boolean removeFromTopic(WebSocket ws, String topic) {
        Topic t = topics.get(topic);
        if (t == null) {
            return false;
        }
        t.lock.lock();
        try {
            WebSocket[] s = t.subscribers;
            int i = indexOf(s, ws);
            if (i < 0) {
                return false;
            }
            if (s.length == 1) {
                t.subscribers = NONE;
                t.removed = true;
                Membership m = membership;
                if (m != null) {
                    // Before the topic leaves the map: a subscribe racing with this waits on this lock, then makes
                    // a new topic and calls first() after this last().
                    m.last(topic);
                }
                topics.remove(topic, t);
            } else {
                WebSocket[] shrunk = new WebSocket[s.length - 1];
                System.arraycopy(s, 0, shrunk, 0, i);
                System.arraycopy(s, i + 1, shrunk, i, s.length - i - 1);
                t.subscribers = shrunk;
            }
            return true;
        } finally {
            t.lock.unlock();
        }
    }

    private static int indexOf(WebSocket[] s, WebSocket ws) {
        for (int i = 0; i < s.length; i++) {
            if (s[i] == ws) {
                return i;
            }
        }
        return -1;
    }

    /**
     * @param topic a topic
     * @return its subscribers now
     */
    public int subscriberCount(String topic) {
        Topic t = topics.get(topic);
        return t == null ? 0 : t.subscribers.length;
    }

    /**
     * @param ws a connection
     * @return the topics it is subscribed to (a snapshot)
     */
    public Set<String> topicsOf(WebSocket ws) {
        Set<String> set = byConnection.get(ws);
        return set == null ? Set.of() : Set.copyOf(set);
    }

    /**
     * Publishes a message to the topic's subscribers here, then forwards it to the backplane if one is set.
     *
     * @param topic the topic
     * @param frame an unfragmented, unmasked TEXT or BINARY frame; its payload is copied, so the caller may reuse it
     * @return the subscribers it was written or queued for
     */
    public int publish(String topic, Frame frame) {
        Objects.requireNonNull(topic, "topic");
        OpCode op = frame.opcode();
        if (op != OpCode.TEXT && op != OpCode.BINARY) {
            throw new IllegalArgumentException("publish takes TEXT or BINARY messages, not " + op);
        }
        if (!frame.fin()) {
            throw new IllegalArgumentException("publish takes whole messages, not fragments");
        }
        if (frame.mask() != null) {
            throw new IllegalArgumentException("a server's frames are not masked");
        }
        ByteBuffer framed = FrameEncoder.framed(op, 0, frame.payload());
        framesEncoded.increment();
        int payloadLength = frame.payload().remaining();
        ByteBuffer payload = framed.slice(framed.limit() - payloadLength, payloadLength);
        int n = deliver(topic, op, framed, payload);
        Forwarder f = forwarder;
        if (f != null) {
            try {
                f.forward(topic, op, payload.asReadOnlyBuffer());
            } catch (RuntimeException e) {
                forwardFailures.increment();
            }
        }
        return n;
    }

    /**
     * Delivers a message to this server's subscribers only, never forwarding it: for messages a backplane received
     * from other nodes.
     *
     * @param topic the topic
     * @param opcode TEXT or BINARY
     * @param payload the message, position to limit; copied
     * @return the subscribers it was written or queued for
     */
    public int deliverLocally(String topic, OpCode opcode, ByteBuffer payload) {
        if (opcode != OpCode.TEXT && opcode != OpCode.BINARY) {
            throw new IllegalArgumentException("TEXT or BINARY, not " + opcode);
        }
        if (topics.get(topic) == null) {
            return 0; // nobody here: not even framed
        }
        ByteBuffer framed = FrameEncoder.framed(opcode, 0, payload);
        framesEncoded.increment();
        int len = payload.remaining();
        return deliver(topic, opcode, framed, framed.slice(framed.limit() - len, len));
    }

    // One frame for everyone: each subscriber gets `framed` itself (or the one compressed frame), or, with
    // per-connection compression, a view of the payload to compress with its own context.
    private int deliver(String topic, OpCode op, ByteBuffer framed, ByteBuffer payload) {
        Topic t = topics.get(topic);
        if (t == null) {
            return 0;
        }
        ConnectionAccess.Ops out = ConnectionAccess.ops();
        // The same buffer goes into every subscriber's queue: the writers read it by absolute index only, so it needs
        // no per-subscriber view (at 1,000 subscribers those were a million objects a round).
        ByteBuffer compressed = null;
        int compressedLevel = -1;
        int sent = 0;
        boolean sawClosed = false;
        for (WebSocket ws : t.subscribers) {
            PerMessageDeflate.Agreement a = ws.perMessageDeflate();
            int r;
            if (a == null || payload.remaining() < a.settings().threshold()) {
                r = out.offerFramed(ws, framed);
            } else if (a.noContextTakeoverWhenSending(Role.SERVER)) {
                int level = a.settings().level();
                if (compressed == null || compressedLevel != level) {
                    compressed = compress(op, payload, level);
                    compressedLevel = level;
                }
                r = out.offerFramed(ws, compressed);
            } else {
                r = out.offerMessage(ws, op, payload.duplicate());
            }
            if (r == ConnectionAccess.SENT) {
                sent++;
            } else if (r == ConnectionAccess.DROPPED) {
                dropped.increment();
            } else {
                sawClosed = true;
            }
        }
        if (sawClosed) {
            for (WebSocket ws : t.subscribers) {
                if (ws.isClosed()) {
                    unsubscribeAll(ws); // its subscriptions end with it, even before its handler returns
                }
            }
        }
        return sent;
    }

    // The message compressed on its own (no context), as one final frame with RSV1.
    private ByteBuffer compress(OpCode op, ByteBuffer payload, int level) {
        MessageDeflater d = new MessageDeflater(level, true);
        try {
            ByteBuffer c = d.deflate(payload.duplicate(), true);
            framesCompressed.increment();
            ByteBuffer frame = FrameEncoder.framed(op, 4, c); // a copy: the output buffer can go back to its pool
            d.trim();
            return frame;
        } finally {
            d.release();
        }
    }

    /**
     * Joins these topics to a cluster through {@code backplane}, and starts it: local publishes go to the other nodes
     * after the local subscribers; a topic's first and last local subscriber tell the backplane what to listen to;
     * messages from other nodes are delivered here only. What the embedded server and the Spring starter's topics do.
     *
     * @param backplane the backplane, not started yet
     */
    public void join(io.fastwebsockets.server.Backplane backplane) {
        setForwarder(backplane::publish);
        setMembership(new Membership() {
            @Override
            public void first(String topic) {
                backplane.subscribe(topic);
            }

            @Override
            public void last(String topic) {
                backplane.unsubscribe(topic);
            }
        });
        backplane.start(this::deliverLocally);
    }

    /**
     * Sets the backplane hook.
     *
     * @param f the forwarder, or {@code null} for none
     */
    public void setForwarder(Forwarder f) {
        this.forwarder = f;
    }

    /** @return frames built by publishes (one per publish or delivered remote message, however many subscribers) */
    public long framesEncoded() {
        return framesEncoded.sum();
    }

    /** @return frames compressed once for all subscribers without server context takeover */
    public long framesCompressed() {
        return framesCompressed.sum();
    }

    /** @return deliveries skipped because a subscriber's queue was full (policy FAIL or BLOCK) */
    public long dropped() {
        return dropped.sum();
    }

    /** @return forwards that threw */
    public long forwardFailures() {
        return forwardFailures.sum();
    }

    /** @return connections subscribed to at least one topic */
    public int subscribedConnections() {
        return byConnection.size();
    }
}
