package io.fastwebsockets.examples;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Drives an Autobahn TestSuite fuzzingserver with our client role, as the Rust crate's
 * {@code examples/autobahn_client.rs} does: asks for the case count, runs every case (echoing each message back),
 * then asks the server to write its reports.
 *
 * <pre>
 * ./fastws autobahn-client ws://127.0.0.1:9001 [--agent NAME] [--deflate]
 * </pre>
 *
 * {@code --deflate} offers permessage-deflate on every case connection ({@link PerMessageDeflate#defaults()}:
 * {@code client_max_window_bits} included, so the server may choose our window), as the Autobahn 12.* and 13.*
 * cases expect of a client. The suite bundled in autobahntestsuite-maven-plugin 0.1.5 (0.5.6) has no 12.* or 13.*
 * cases and declines the offer, so there it runs cases 1 to 10 uncompressed.
 */
public final class AutobahnClient {
    private AutobahnClient() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: autobahn-client <ws-url> [--agent NAME] [--deflate]");
            System.exit(2);
        }
        String base = args[0].endsWith("/") ? args[0].substring(0, args[0].length() - 1) : args[0];
        String agent = "fastwebsockets-java";
        PerMessageDeflate deflate = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--agent") && i + 1 < args.length) {
                agent = args[++i];
            } else if (args[i].equals("--deflate")) {
                deflate = PerMessageDeflate.defaults();
            }
        }
        run(base, agent, deflate);
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
        ClientOptions options = ClientOptions.builder().perMessageDeflate(deflate).build();
        String a = URLEncoder.encode(agent, StandardCharsets.UTF_8);
        int count;
        try (FragmentCollector ws = new FragmentCollector(
                Handshake.connect(URI.create(base + "/getCaseCount")).webSocket())) {
            count = Integer.parseInt(ws.readFrame().payloadAsText().trim());
        }
        System.out.println("running " + count + " cases");
        for (int i = 1; i <= count; i++) {
            runCase(URI.create(base + "/runCase?case=" + i + "&agent=" + a), options);
        }
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
        return count;
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

}
