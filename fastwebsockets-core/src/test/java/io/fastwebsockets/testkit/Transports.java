package io.fastwebsockets.testkit;

import io.fastwebsockets.server.WebSocketServer;
import java.util.ArrayList;
import java.util.List;

/**
 * The transport a test run's servers are asked for ({@code -Dfastwebsockets.transport=jdk} in a module's second
 * surefire execution; unset, the server's default, the native transport where it runs), carried to forked server JVMs
 * and checked: a run meant for the native transport that had quietly fallen back to the JDK's channels (no native
 * access in a forked JVM, say) would pass while testing nothing new.
 */
public final class Transports {
    private Transports() {
    }

    /** @return the transport asked for by this JVM's {@code fastwebsockets.transport}, or "" (the default) */
    public static String asked() {
        return System.getProperty("fastwebsockets.transport", "");
    }

    /**
     * Options for a forked JVM that runs a server (class path): native access, which the native transport needs
     * (as {@code ./fastws} gives it), and this JVM's {@code fastwebsockets.transport} when set.
     *
     * @return the options, to go before the main class
     */
    public static List<String> forkedJvmOptions() {
        List<String> o = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED"));
        if (!asked().isEmpty()) {
            o.add("-Dfastwebsockets.transport=" + asked());
        }
        return o;
    }

    /**
     * @return whether a plain server that does not say runs over the native transport here: asked for with
     *     {@code native}, or not asked and the server's default where it can run (Linux x86_64, Java 22+; the build
     *     gives its test JVMs and forked servers native access)
     */
    public static boolean nativeExpected() {
        String t = asked();
        if (!t.isEmpty()) {
            return t.equalsIgnoreCase("native");
        }
        String arch = System.getProperty("os.arch", "");
        return Runtime.version().feature() >= 22 && System.getProperty("os.name", "").startsWith("Linux")
                && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    /**
     * Checks that a started server runs over the transport expected ({@link #nativeExpected()}).
     *
     * @param server a server built without {@code nativeTransport(...)} and without TLS
     * @return the server
     * @throws IllegalStateException if it runs over the other transport
     */
    public static WebSocketServer checked(WebSocketServer server) {
        if (server.nativeTransport() != nativeExpected()) {
            throw new IllegalStateException("expected the " + (nativeExpected() ? "native transport" : "JDK's channels")
                    + " (-Dfastwebsockets.transport=" + asked() + "), but the server runs over "
                    + (server.nativeTransport() ? "the native transport" : "the JDK's channels"));
        }
        return server;
    }
}
