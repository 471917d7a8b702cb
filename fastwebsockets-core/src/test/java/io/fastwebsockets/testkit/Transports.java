package io.fastwebsockets.testkit;

import io.fastwebsockets.server.WebSocketServer;
import java.util.ArrayList;
import java.util.List;

/**
 * The transport a test run's servers are asked for ({@code -Dfastwebsockets.transport=native|jdk}, set by a module's
 * second surefire execution), carried to forked server JVMs and checked: a run over the native transport that had
 * quietly fallen back to the JDK's channels (no native access in the forked JVM, say) would pass while testing
 * nothing new.
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
     * Checks that a started server runs over the transport asked for, if one was.
     *
     * @param server a server built without {@code nativeTransport(...)} and without TLS
     * @return the server
     * @throws IllegalStateException if it runs over the other transport
     */
    public static WebSocketServer checked(WebSocketServer server) {
        String t = asked();
        if (t.equalsIgnoreCase("native") && !server.nativeTransport()
                || t.equalsIgnoreCase("jdk") && server.nativeTransport()) {
            throw new IllegalStateException("-Dfastwebsockets.transport=" + t + " asked for, but the server runs over "
                    + (server.nativeTransport() ? "the native transport" : "the JDK's channels"));
        }
        return server;
    }
}
