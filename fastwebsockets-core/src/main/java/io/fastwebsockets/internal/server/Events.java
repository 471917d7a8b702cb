package io.fastwebsockets.internal.server;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The embedded server's JDK Flight Recorder events, in category "fastwebsockets": enabled by default, so
 * {@code jcmd <pid> JFR.start} records them with no code change. Each is committed once per connection (or per
 * incident), never per message; when recording is off, {@link Event#shouldCommit()} is false and nothing else runs.
 */
public final class Events {
    private Events() {
    }

    /** A WebSocket connection was upgraded. */
    @Name("io.fastwebsockets.ConnectionOpened")
    @Label("WebSocket Connection Opened")
    @Category("fastwebsockets")
    @Description("A connection completed the opening handshake")
    @StackTrace(false)
    public static final class ConnectionOpened extends Event {
        /** The peer's address. */
        @Label("Remote Address")
        public String remoteAddress;
        /** The request target. */
        @Label("Path")
        public String path;
    }

    /** An upgraded connection ended. */
    @Name("io.fastwebsockets.ConnectionClosed")
    @Label("WebSocket Connection Closed")
    @Category("fastwebsockets")
    @Description("An upgraded connection ended: the first Close code seen (1006 if none) and how long it lasted")
    @StackTrace(false)
    public static final class ConnectionClosed extends Event {
        /** The peer's address. */
        @Label("Remote Address")
        public String remoteAddress;
        /** The first Close code sent or received; 1006 when the connection ended without one. */
        @Label("Close Code")
        public int closeCode;
        /** From the upgrade to the end. */
        @Label("Connection Duration")
        @Timespan(Timespan.NANOSECONDS)
        public long connectionDuration;
    }

    /** An opening handshake failed or was refused. */
    @Name("io.fastwebsockets.HandshakeFailed")
    @Label("WebSocket Handshake Failed")
    @Category("fastwebsockets")
    @StackTrace(false)
    public static final class HandshakeFailed extends Event {
        /** The peer's address. */
        @Label("Remote Address")
        public String remoteAddress;
        /** The reason, as counted in the stats. */
        @Label("Reason")
        public String reason;
        /** The HTTP status answered, 0 if none. */
        @Label("Status")
        public int status;
        /** Details. */
        @Label("Message")
        public String message;
    }

    /** A connection was closed because its peer did not read what was sent to it fast enough. */
    @Name("io.fastwebsockets.SlowConsumerClose")
    @Label("WebSocket Slow Consumer Closed")
    @Category("fastwebsockets")
    @StackTrace(false)
    public static final class SlowConsumerClose extends Event {
        /** The peer's address. */
        @Label("Remote Address")
        public String remoteAddress;
        /** Bytes queued for it when it was closed. */
        @Label("Queued Bytes")
        public long queuedBytes;
    }

    /** A connection was closed because it stayed silent after a keepalive Ping. */
    @Name("io.fastwebsockets.KeepaliveTimeout")
    @Label("WebSocket Keepalive Timeout")
    @Category("fastwebsockets")
    @StackTrace(false)
    public static final class KeepaliveTimeout extends Event {
        /** The peer's address. */
        @Label("Remote Address")
        public String remoteAddress;
        /** How long it had been silent. */
        @Label("Silent For")
        @Timespan(Timespan.NANOSECONDS)
        public long silentFor;
    }

    /**
     * @return whether an event that names a connection's remote address after it may have closed (closed, keepalive
     *     timeout, slow consumer) is recorded now
     */
    public static boolean recordsAddressesAtEnd() {
        return new ConnectionClosed().isEnabled() || new KeepaliveTimeout().isEnabled()
                || new SlowConsumerClose().isEnabled();
    }
}
