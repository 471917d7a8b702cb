package io.fastwebsockets.deflate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.Frame;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.handshake.HandshakeException;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Echo;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawHttp;
import io.fastwebsockets.testkit.ScriptedServer;
import io.fastwebsockets.internal.http.HttpParser;
import io.fastwebsockets.upgrade.HttpRequest;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Negotiation through the real handshakes: what our server answers on the wire, and what our client accepts. */
@Timeout(30)
class DeflateHandshakeTest {
    private static WebSocketServer server(PerMessageDeflate settings) throws IOException {
        return WebSocketServer.builder().perMessageDeflate(settings).closeTimeout(Duration.ofMillis(500))
                .handler(Echo::handle).start();
    }

    private static HttpParser.Response upgradeWith(int port, Socket s, String... extensionLines) throws IOException {
        RawHttp.send(s, RawHttp.validRequest(extensionLines));
        return RawHttp.readResponse(s.getInputStream());
    }

    @Test
    void serverAnswersTheFirstAcceptableOfferAndCompressesItsReplies() throws Exception {
        try (WebSocketServer server = server(PerMessageDeflate.builder().threshold(0).windowBits(15).build());
                Socket s = RawHttp.connect(server.port())) {
            HttpParser.Response r = upgradeWith(server.port(), s,
                    "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=1",
                    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits; server_no_context_takeover");
            assertEquals(101, r.status());
            assertEquals("permessage-deflate; server_no_context_takeover", r.headers().get("Sec-WebSocket-Extensions"));
            // An uncompressed message from the client is echoed compressed (threshold 0), with RSV1.
            s.getOutputStream().write(RawFrames.clientFrame(RawFrames.FIN | RawFrames.BINARY, new byte[200]));
            RawFrames.RawFrame echo = RawFrames.read(s.getInputStream());
            assertEquals(RawFrames.RSV1, echo.b0() & 0x70);
            assertTrue(echo.payload().length < 200);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"permessage-deflate; server_max_window_bits=16", "permessage-deflate; bogus",
        "x-webkit-deflate-frame"})
    void serverThatDeclinesEveryOfferAnswersWithoutExtensionsAndDoesNotCompress(String offer) throws Exception {
        try (WebSocketServer server = server(PerMessageDeflate.builder().threshold(0).build());
                Socket s = RawHttp.connect(server.port())) {
            HttpParser.Response r = upgradeWith(server.port(), s, "Sec-WebSocket-Extensions: " + offer);
            assertEquals(101, r.status());
            assertNull(r.headers().get("Sec-WebSocket-Extensions"));
            s.getOutputStream().write(RawFrames.clientFrame(RawFrames.FIN | RawFrames.BINARY, new byte[200]));
            RawFrames.RawFrame echo = RawFrames.read(s.getInputStream());
            assertEquals(0, echo.b0() & 0x70, "no RSV bit without an agreement");
            assertEquals(200, echo.payload().length);
        }
    }

    @Test
    void serverRefusesAnUnparseableExtensionsHeaderWith400() throws Exception {
        try (WebSocketServer server = server(PerMessageDeflate.defaults()); Socket s = RawHttp.connect(server.port())) {
            HttpParser.Response r = upgradeWith(server.port(), s, "Sec-WebSocket-Extensions: permessage-deflate; =");
            assertEquals(400, r.status());
        }
    }

    @Test
    void theServerSettingSurvivesUpgradeOptionsSetAfterIt() throws Exception {
        try (WebSocketServer server = WebSocketServer.builder().perMessageDeflate(PerMessageDeflate.defaults())
                .upgradeOptions(io.fastwebsockets.upgrade.UpgradeOptions.builder().subprotocols("chat").build())
                .handler(Echo::handle).start(); Socket s = RawHttp.connect(server.port())) {
            HttpParser.Response r = upgradeWith(server.port(), s, "Sec-WebSocket-Extensions: permessage-deflate",
                    "Sec-WebSocket-Protocol: chat");
            assertEquals("permessage-deflate", r.headers().get("Sec-WebSocket-Extensions"));
            assertEquals("chat", r.headers().get("Sec-WebSocket-Protocol"));
        }
    }

    @Test
    void serverWithoutCompressionIgnoresOffers() throws Exception {
        try (WebSocketServer server = server(null); Socket s = RawHttp.connect(server.port())) {
            HttpParser.Response r = upgradeWith(server.port(), s, "Sec-WebSocket-Extensions: permessage-deflate");
            assertEquals(101, r.status());
            assertNull(r.headers().get("Sec-WebSocket-Extensions"));
        }
    }

    // ------------------------------------------------------------------------------------------------ client

    private static ClientOptions offering(PerMessageDeflate settings) {
        return ClientOptions.builder().perMessageDeflate(settings).handshakeTimeout(Duration.ofSeconds(5)).build();
    }

    private static URI uri(ScriptedServer s) {
        return URI.create("ws://127.0.0.1:" + s.port() + "/");
    }

    @Test
    void clientOffersAndTakesAValidAnswer() throws Exception {
        AtomicReference<HttpRequest> seen = new AtomicReference<>();
        try (ScriptedServer s = new ScriptedServer((sock, r) -> {
            seen.set(r);
            RawHttp.send(sock, ScriptedServer.accept(r,
                    "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10; client_no_context_takeover"));
            RawFrames.read(sock.getInputStream()); // the client's close
        })) {
            Handshake.Connected c = Handshake.connect(uri(s), offering(PerMessageDeflate.builder().windowBits(15)
                    .build()));
            assertEquals("permessage-deflate; client_max_window_bits",
                    seen.get().headers().get("Sec-WebSocket-Extensions"));
            PerMessageDeflate.Agreement a = c.webSocket().perMessageDeflate();
            assertNotNull(a);
            assertEquals(10, a.serverMaxWindowBits());
            assertTrue(a.clientNoContextTakeover());
            c.webSocket().setCloseTimeout(Duration.ofMillis(200));
            c.webSocket().close();
        }
    }

    @Test
    void clientGoesOnUncompressedWhenTheServerDeclines() throws Exception {
        try (ScriptedServer s = new ScriptedServer((sock, r) -> {
            RawHttp.send(sock, ScriptedServer.accept(r));
            // the client's first message must arrive without RSV1
            RawFrames.RawFrame f = RawFrames.read(sock.getInputStream());
            sock.getOutputStream().write(RawFrames.serverFrame(RawFrames.FIN | RawFrames.TEXT,
                    ("rsv=" + (f.b0() & 0x70)).getBytes(StandardCharsets.US_ASCII)));
        })) {
            Handshake.Connected c = Handshake.connect(uri(s), offering(PerMessageDeflate.builder().threshold(0).build()));
            WebSocket ws = c.webSocket();
            assertNull(ws.perMessageDeflate());
            ws.writeFrame(Frame.text("x".repeat(500)));
            assertEquals("rsv=0", ws.readFrame().payloadAsText());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "permessage-deflate; client_max_window_bits", // a response must give a value
        "permessage-deflate; server_max_window_bits=20",
        "permessage-deflate; unknown",
        "permessage-deflate, permessage-deflate",
        "x-other",
        "permessage-deflate; ;",
    })
    void clientFailsTheHandshakeOnABadAnswer(String answer) throws Exception {
        try (ScriptedServer s = new ScriptedServer((sock, r) ->
                RawHttp.send(sock, ScriptedServer.accept(r, "Sec-WebSocket-Extensions: " + answer)))) {
            HandshakeException e = assertThrows(HandshakeException.class,
                    () -> Handshake.connect(uri(s), offering(PerMessageDeflate.defaults())));
            assertTrue(e.getMessage().contains("Sec-WebSocket-Extensions"), e.getMessage());
        }
    }

    @Test
    void clientThatDidNotOfferRejectsAnyExtension() throws Exception {
        try (ScriptedServer s = new ScriptedServer((sock, r) ->
                RawHttp.send(sock, ScriptedServer.accept(r, "Sec-WebSocket-Extensions: permessage-deflate")))) {
            assertThrows(HandshakeException.class, () -> Handshake.connect(uri(s),
                    ClientOptions.builder().handshakeTimeout(Duration.ofSeconds(5)).build()));
        }
    }

    @Test
    void ourClientAndServerAgreeOnNoContextTakeoverAskedByTheClient() throws Exception {
        try (WebSocketServer server = server(PerMessageDeflate.defaults())) {
            Handshake.Connected c = Handshake.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"),
                    offering(PerMessageDeflate.builder().serverNoContextTakeover(true).build()));
            String answer = c.headers().get("Sec-WebSocket-Extensions");
            assertTrue(answer.startsWith("permessage-deflate; server_no_context_takeover"), answer);
            assertTrue(c.webSocket().perMessageDeflate().serverNoContextTakeover());
            c.webSocket().close();
        }
    }
}
