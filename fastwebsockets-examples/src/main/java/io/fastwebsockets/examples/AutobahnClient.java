package io.fastwebsockets.examples;

import io.fastwebsockets.EventLoop;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.handshake.ClientListener;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Drives an Autobahn TestSuite fuzzingserver with our client role, as the Rust crate's
 * {@code examples/autobahn_client.rs} does: asks for the case count, runs every case (echoing each message back),
 * then asks the server to write its reports.
 *
 * <pre>
 * ./fastws autobahn-client ws://127.0.0.1:9001 [--agent NAME] [--deflate] [--listener]
 * </pre>
 *
 * {@code --deflate} offers permessage-deflate on every case connection ({@link PerMessageDeflate#defaults()}:
 * {@code client_max_window_bits} included, so the server may choose our window), as the Autobahn 12.* and 13.*
 * cases expect of a client. The suite bundled in autobahntestsuite-maven-plugin 0.1.5 (0.5.6) has no 12.* or 13.*
 * cases and declines the offer, so there it runs cases 1 to 10 uncompressed.
 *
 * <p>{@code --listener} runs the cases with event-style connections instead ({@link #runListening}): a
 * {@link ClientListener} called by an {@link EventLoop}'s thread echoes each message from its call.
 */
public final class AutobahnClient {
    private AutobahnClient() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: autobahn-client <ws-url> [--agent NAME] [--deflate] [--listener]");
            System.exit(2);
        }
        String base = args[0].endsWith("/") ? args[0].substring(0, args[0].length() - 1) : args[0];
        String agent = "fastwebsockets-java";
        PerMessageDeflate deflate = null;
        boolean listening = false;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--agent") && i + 1 < args.length) {
                agent = args[++i];
            } else if (args[i].equals("--deflate")) {
                deflate = PerMessageDeflate.defaults();
            } else if (args[i].equals("--listener")) {
                listening = true;
            }
        }
        if (listening) {
            try (EventLoop loop = EventLoop.startOnPlatformThread("autobahn-client-loop")) {
                runListening(base, agent, ClientOptions.builder().perMessageDeflate(deflate).eventLoop(loop).build());
            }
        } else {
            run(base, agent, deflate);
        }
    }

    /**
     * Runs every case of the fuzzingserver at {@code base}.
     *
     * @param base the server's ws:// URL, without a trailing slash
     * @param agent the agent name the reports are filed under
     * @return the number of cases run
     * @throws Exception if the server cannot be reached
     */
    public static int run(String base, String agent) throws Exception {
        return run(base, agent, null);
    }

    /**
     * Runs every case of the fuzzingserver at {@code base}, offering permessage-deflate on each case's connection.
     *
     * @param base the server's ws:// URL, without a trailing slash
     * @param agent the agent name the reports are filed under
     * @param deflate what to offer, or {@code null} for no offer
     * @return the number of cases run
     * @throws Exception if the server cannot be reached
     */
    public static int run(String base, String agent, PerMessageDeflate deflate) throws Exception {
        return runAll(base, agent, ClientOptions.builder().perMessageDeflate(deflate).build(), false);
    }

    /**
     * Runs every case of the fuzzingserver at {@code base} with event-style connections: each case's connection is
     * opened with a {@link ClientListener} that echoes every message from its {@code onMessage} call, on the event
     * loop of {@code options} (its thread runs the calls), as {@code ./fastws bench} drives its connections.
     *
     * @param base the server's ws:// URL, without a trailing slash
     * @param agent the agent name the reports are filed under
     * @param options the case connections' options, with an event loop
     * @return the number of cases run
     * @throws Exception if the server cannot be reached
     */
    public static int runListening(String base, String agent, ClientOptions options) throws Exception {
        return runAll(base, agent, options, true);
    }

    private static int runAll(String base, String agent, ClientOptions options, boolean listening)
            throws Exception {
        String a = URLEncoder.encode(agent, StandardCharsets.UTF_8);
        int count;
        try (FragmentCollector ws = new FragmentCollector(
                Handshake.connect(URI.create(base + "/getCaseCount")).webSocket())) {
            count = Integer.parseInt(ws.readFrame().payloadAsText().trim());
        }
        System.out.println("running " + count + " cases");
        for (int i = 1; i <= count; i++) {
            URI uri = URI.create(base + "/runCase?case=" + i + "&agent=" + a);
            if (listening) {
                runCaseListening(uri, options);
            } else {
                runCase(uri, options);
            }
        }
        updateReports(base, agent);
        return count;
    }

    /**
     * Asks the fuzzingserver to write its reports (every agent's results in {@code index.json}) and waits until it
     * has. A case is in them once the server has seen its connection end, which can come after this request when it
     * follows the last case at once: asking again later picks such a case up.
     *
     * @param base the fuzzingserver's URL, {@code ws://host:port}
     * @param agent the agent whose report pages are written
     * @throws Exception if the server cannot be reached
     */
    public static void updateReports(String base, String agent) throws Exception {
        String a = URLEncoder.encode(agent, StandardCharsets.UTF_8);
        FragmentCollector reports = new FragmentCollector(
                Handshake.connect(URI.create(base + "/updateReports?agent=" + a)).webSocket());
        try {
            while (reports.readFrame().opcode() != io.fastwebsockets.OpCode.CLOSE) {
                // wait for the server to close once the reports are written
            }
        } catch (IOException ignored) {
            // closed
        }
        System.out.println("reports updated for agent " + agent);
    }

    private static void runCase(URI uri, ClientOptions options) {
        try {
            FragmentCollector ws = new FragmentCollector(Handshake.connect(uri, options).webSocket());
            ws.setMaxMessageSize(64L << 20);
            while (true) {
                Frame f = ws.readFrame();
                switch (f.opcode()) {
                    case CLOSE -> {
                        return;
                    }
                    case TEXT, BINARY -> ws.writeFrame(f);
                    default -> { }
                }
            }
        } catch (WebSocketException e) {
            // the case sent something invalid and the connection was failed with e.closeCode(): expected
        } catch (IOException e) {
            // the case dropped the connection
        }
    }

    // One case over a listener: echoes from the loop's thread; returns once the connection has ended.
    private static void runCaseListening(URI uri, ClientOptions options) throws InterruptedException {
        CountDownLatch ended = new CountDownLatch(1);
        try {
            Handshake.connect(uri, options, new ClientListener() {
                @Override
                public void onOpen(WebSocket ws) {
                    ws.setMaxMessageSize(64L << 20);
                }

                @Override
                public void onMessage(WebSocket ws, Frame message) throws IOException {
                    ws.writeFrame(message); // written (or buffered) before the call returns: no copy needed
                }

                @Override
                public void onClose(WebSocket ws, int code, String reason) {
                    ended.countDown();
                }
            });
        } catch (IOException e) {
            return; // the handshake failed: the case is reported as such
        }
        // Every case ends in its close timeout at the latest; this only keeps a stuck case from stopping the run.
        ended.await(2, TimeUnit.MINUTES);
    }

}
