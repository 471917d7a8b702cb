package io.fastwebsockets.cli;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.ConnectionClosedException;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.handshake.HandshakeException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fastws connect}: a websocat-like client. Each line of standard input is sent as one message; each message
 * received is printed as one line on standard output (binary as hex, or the bytes as they are with {@code --raw}).
 * {@code /ping} sends a Ping and prints the round trip when its Pong arrives. End of input sends Close 1000, waits
 * for the closing handshake and exits 0. Status lines (connected, pong, closed) go to standard error, so standard
 * output carries only messages.
 */
@Command(name = "connect", mixinStandardHelpOptions = true,
        description = "Connect to a WebSocket server: stdin lines out as messages, messages in as stdout lines.")
final class Connect implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "URL", description = "ws:// or wss:// URL")
    URI url;

    @Option(names = {"-H", "--header"}, paramLabel = "'Name: value'", description = "extra request header")
    List<String> headers = new ArrayList<>();

    @Option(names = "--subprotocol", paramLabel = "P", description = "offer this subprotocol (repeatable)")
    List<String> subprotocols = new ArrayList<>();

    @Option(names = "--binary", description = "send each line as a binary message (default: text)")
    boolean binary;

    @Option(names = "--raw", description = "print binary messages as their bytes, not as hex")
    boolean raw;

    @Option(names = "--insecure", description = "wss: do not verify the server's certificate or host name")
    boolean insecure;

    @Option(names = "--deflate", description = "offer permessage-deflate")
    boolean deflate;

    @Option(names = "--ping-interval", paramLabel = "D", description = "send a Ping every D (500ms, 1s, 2m)")
    Duration pingInterval;

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    // Pings in flight: payload (8 bytes of System.nanoTime at sending) -> the time, so a Pong can be matched.
    private final ConcurrentHashMap<Long, Boolean> pings = new ConcurrentHashMap<>();
    private volatile boolean closing;
    // The payload of the Ping sent at the end of input, and the signal that its Pong arrived.
    private static final long EOF_MARKER = 0x66617374_77732145L; // "fastws!E"
    private final java.util.concurrent.CountDownLatch drained = new java.util.concurrent.CountDownLatch(1);

    Connect() {
        this(System.in, System.out, System.err);
    }

    Connect(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        ClientOptions.Builder options = ClientOptions.builder();
        for (String h : headers) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                err.println("fastws connect: a header is 'Name: value', got '" + h + "'");
                return 2;
            }
            options.header(h.substring(0, colon).strip(), h.substring(colon + 1).strip());
        }
        if (!subprotocols.isEmpty()) {
            options.subprotocols(subprotocols.toArray(String[]::new));
        }
        if (deflate) {
            options.perMessageDeflate(PerMessageDeflate.defaults());
        }
        if (insecure) {
            options.sslContext(trustEverything()).verifyHostname(false);
        }
        Handshake.Connected connected;
        try {
            connected = Handshake.connect(url, options.build());
        } catch (HandshakeException e) {
            err.println("fastws connect: handshake refused"
                    + (e.status() > 0 ? " (HTTP " + e.status() + ")" : "") + ": " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("fastws connect: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("fastws connect: cannot connect to " + url + ": " + describe(e));
            return 1;
        }
        WebSocket ws = connected.webSocket();
        err.println("connected to " + url + (connected.subprotocol() != null
                ? " (subprotocol " + connected.subprotocol() + ")" : "")
                + (ws.perMessageDeflate() != null ? " (permessage-deflate)" : ""));
        Thread reader = Thread.ofPlatform().daemon().name("fastws-connect-reader").start(() -> readLoop(ws));
        Thread pinger = null;
        if (pingInterval != null && !pingInterval.isZero()) {
            pinger = Thread.ofPlatform().daemon().name("fastws-connect-ping").start(() -> pingLoop(ws));
        }
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        try {
            String line;
            while (!ws.isClosed() && (line = lines.readLine()) != null) {
                if (line.equals("/ping")) {
                    ping(ws);
                } else if (binary) {
                    ws.writeFrame(Frame.binary(line.getBytes(StandardCharsets.UTF_8)));
                } else {
                    ws.writeFrame(Frame.text(line));
                }
            }
        } catch (IOException e) {
            // A send fails when the server has closed or the connection broke: the reader thread, which sees why,
            // reports it and exits. Only if it does not is the failed send the news.
            reader.join(Duration.ofSeconds(2));
            if (!ws.isClosed()) {
                err.println("fastws connect: sending failed: " + describe(e));
                return 1;
            }
        }
        if (pinger != null) {
            pinger.interrupt();
        }
        if (ws.isClosed() && !closing) {
            // The server ended the connection while we were sending (its Close came in after our last line): the
            // reader reports it, sets the exit code and exits. Returning now would race it and exit 0 unreported.
            reader.join(Duration.ofSeconds(5));
            out.flush();
            return exitCode;
        }
        if (!ws.isClosed()) {
            // Once our Close is sent the connection drops data still arriving, so first let the server catch up: a
            // Ping is answered after everything sent before it has been read, so when its Pong arrives the replies
            // to our last lines (an echo server's, say) have arrived too. Bounded: a server that never answers
            // Pings only delays the exit.
            try {
                ByteBuffer marker = ByteBuffer.allocate(8).putLong(0, EOF_MARKER);
                ws.writeFrame(Frame.ping(marker));
                drained.await(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (IOException e) {
                // the connection failed; the reader reports it
            }
        }
        closing = true;
        if (!ws.isClosed()) {
            ws.close(CloseCode.NORMAL, ""); // waits for the reader thread to receive the server's Close
        }
        reader.join(Duration.ofSeconds(5));
        out.flush();
        return exitCode;
    }

    private volatile int exitCode;

    private void readLoop(WebSocket ws) {
        FragmentCollector messages = new FragmentCollector(ws);
        try {
            while (true) {
                Frame f = messages.readFrame();
                switch (f.opcode()) {
                    case TEXT -> {
                        out.println(f.payloadAsText());
                        out.flush();
                    }
                    case BINARY -> {
                        if (raw) {
                            ByteBuffer p = f.payload();
                            byte[] b = new byte[p.remaining()];
                            p.get(p.position(), b);
                            out.write(b, 0, b.length);
                        } else {
                            out.println(HexFormat.of().formatHex(f.payloadBytes()));
                        }
                        out.flush();
                    }
                    case PONG -> pong(f);
                    case CLOSE -> {
                        closed(f);
                        return;
                    }
                    default -> {
                    }
                }
            }
        } catch (ConnectionClosedException e) {
            if (!closing) {
                err.println("closed: " + e.getMessage());
                exitCode = 1;
            }
        } catch (IOException e) {
            if (!closing) {
                err.println("fastws connect: connection failed: " + describe(e));
                exitCode = 1;
            }
        } finally {
            if (!closing) {
                // The server ended the connection: stop waiting for standard input.
                System.exit(exitCode);
            }
        }
    }

    private void closed(Frame f) throws IOException {
        CloseCode.Status status = CloseCode.parse(f.payload()); // the connection already checked it
        int code = status.code();
        String reason = status.reason();
        if (!closing) {
            err.println("closed by the server: " + code + (reason.isEmpty() ? "" : " " + reason));
            exitCode = code == CloseCode.NORMAL || code == CloseCode.GOING_AWAY || code == CloseCode.NO_STATUS
                    ? 0 : 1;
        }
    }

    private void ping(WebSocket ws) throws IOException {
        long sent = System.nanoTime();
        pings.put(sent, Boolean.TRUE);
        ByteBuffer payload = ByteBuffer.allocate(8).putLong(0, sent);
        ws.writeFrame(Frame.ping(payload));
    }

    private void pong(Frame f) {
        ByteBuffer p = f.payload();
        if (p.remaining() == 8) {
            long sent = p.getLong(p.position());
            if (sent == EOF_MARKER) {
                drained.countDown();
                return;
            }
            if (pings.remove(sent) != null) {
                err.printf("pong: %.3f ms%n", (System.nanoTime() - sent) / 1e6);
                return;
            }
        }
        err.println("pong (" + p.remaining() + " bytes, unsolicited)");
    }

    private void pingLoop(WebSocket ws) {
        try {
            while (!ws.isClosed()) {
                Thread.sleep(pingInterval);
                ping(ws);
            }
        } catch (InterruptedException | IOException e) {
            // closing, or the connection failed: the reader reports it
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    static SSLContext trustEverything() throws GeneralSecurityException {
        X509TrustManager all = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {all}, null);
        return ctx;
    }
}
