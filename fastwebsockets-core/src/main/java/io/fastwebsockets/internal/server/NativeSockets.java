package io.fastwebsockets.internal.server;

import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;

/**
 * The native transport: TCP sockets read, written and watched through the C library's calls and one edge-triggered
 * {@code epoll} instance (the FFM API), instead of the JDK's {@code SocketChannel} and a {@code Selector}. An idle
 * connection then keeps a descriptor and a state word where a channel keeps about 680 bytes (the channel, its locks,
 * two addresses, the selection key and the selector's entries; docs/benchmarks.md, "A transport of our own").
 *
 * <p>The implementation ({@code internal.nativeio}) is compiled for Java 22, where the FFM API is final, and loaded
 * only when
 * <ul>
 *   <li>the runtime is Java 22 or later,</li>
 *   <li>the operating system is Linux on a 64-bit processor,</li>
 *   <li>native access is enabled for this code ({@code --enable-native-access=io.fastwebsockets} on the module path,
 *       {@code --enable-native-access=ALL-UNNAMED} on the class path): without it the JDK would print a warning on a
 *       user's console (and a later JDK refuse), and</li>
 *   <li>the system property {@code fastwebsockets.transport} is not {@code jdk}.</li>
 * </ul>
 * Otherwise {@link #available()} is false and {@link #unavailableReason()} says why.
 */
public final class NativeSockets {
    private static final System.Logger LOG = System.getLogger(NativeSockets.class.getName());

    /** What the implementation offers. */
    public interface Provider {
        /**
         * Opens a listening socket.
         *
         * @param address where to bind (port 0: an ephemeral one)
         * @param backlog the accept queue's length
         * @return the listener
         * @throws IOException if the socket cannot be opened or bound
         */
        Listener listen(InetSocketAddress address, int backlog) throws IOException;
    }

    /** A listening socket. */
    public interface Listener extends Closeable {
        /**
         * Waits for the next connection (the caller's thread parks; it may be a platform thread).
         *
         * @return the accepted socket, non-blocking, registered with the poller, TCP_NODELAY set
         * @throws IOException if accepting failed (out of descriptors, say), or the listener is closed
         */
        NativeConnection accept() throws IOException;

        /** @return the bound address (with the actual port) */
        InetSocketAddress localAddress();

        /** Closes the listener; an {@link #accept()} under way ends with an exception. Idempotent. */
        @Override
        void close();
    }

    private static final String[] REASON = new String[1];
    private static final Provider PROVIDER = load();

    private NativeSockets() {
    }

    private static Provider load() {
        String why = null;
        Provider p = null;
        if ("jdk".equalsIgnoreCase(System.getProperty("fastwebsockets.transport", ""))) {
            why = "turned off (-Dfastwebsockets.transport=jdk)";
        } else if (Runtime.version().feature() < 22) {
            why = "Java " + Runtime.version().feature() + " has no final Foreign Function & Memory API (22+)";
        } else if (!System.getProperty("os.name", "").startsWith("Linux")) {
            why = "not Linux (epoll)";
        } else if (!"64".equals(System.getProperty("sun.arch.data.model", "64"))) {
            why = "not a 64-bit JVM";
        } else {
            try {
                Class<?> c = Class.forName("io.fastwebsockets.internal.nativeio.NativeProvider");
                Object o = c.getMethod("load").invoke(null);
                if (o instanceof Provider loaded) {
                    p = loaded;
                } else {
                    why = String.valueOf(o);
                }
            } catch (Throwable t) { // absent (built on 21), refused, or failing: the JDK's channels will do
                why = "failed to load: " + t;
            }
        }
        if (why != null) {
            LOG.log(Level.DEBUG, "native transport unavailable: " + why);
        }
        REASON[0] = why;
        return p;
    }

    /** @return whether the native transport can be used here */
    public static boolean available() {
        return PROVIDER != null;
    }

    /** @return why the native transport cannot be used here, or null if it can */
    public static String unavailableReason() {
        return REASON[0];
    }

    /**
     * Opens a listening socket of the native transport.
     *
     * @param address where to bind
     * @param backlog the accept queue's length
     * @return the listener
     * @throws IOException if it cannot be opened or bound
     * @throws IllegalStateException if the native transport is not {@link #available()}
     */
    public static Listener listen(InetSocketAddress address, int backlog) throws IOException {
        if (PROVIDER == null) {
            throw new IllegalStateException("native transport unavailable: " + REASON[0]);
        }
        return PROVIDER.listen(address, backlog);
    }
}
