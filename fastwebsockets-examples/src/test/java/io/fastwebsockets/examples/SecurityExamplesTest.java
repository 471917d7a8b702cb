package io.fastwebsockets.examples;

import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.TestTls;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs the code of docs/security.md: the hardened options and the strict TLS server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SecurityExamplesTest {
    @TempDir
    Path dir;

    @Test
    void theHardenedOptionsAreWhatThePageSays() {
        UpgradeOptions o = SecurityExamples.hardenedOptions();
        assertEquals(java.util.Set.of("https://app.example", "https://admin.app.example"), o.allowedOrigins());
        assertEquals(8 << 20, o.maxMessageSize());
        assertEquals(16 << 20, o.maxDecompressedMessageSize());
        assertEquals(4096, o.maxFramesPerMessage());
        assertTrue(o.acceptsOrigin("https://admin.app.example", "ws.app.example", true));
        assertTrue(!o.acceptsOrigin("https://evil.example", "ws.app.example", true));
    }

    @Test
    void theStrictTlsServerServesAModernClientAndRefusesAWeakSuite() throws Exception {
        TestTls.Contexts tls = TestTls.selfSigned(dir, "ip:127.0.0.1");
        Path store;
        try (var files = Files.list(dir)) {
            store = files.filter(f -> f.toString().endsWith(".p12")).findFirst().orElseThrow();
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        try (WebSocketServer server = SecurityExamples.strictTlsServer("127.0.0.1", 0, kmf.getKeyManagers())) {
            try (SSLSocket s = (SSLSocket) tls.client().getSocketFactory().createSocket("127.0.0.1", server.port())) {
                s.setSoTimeout(10_000);
                send(s, validRequest("Origin: https://app.example"));
                assertEquals(101, readResponse(s.getInputStream()).status());
                send(s, clientFrame(FIN | TEXT, "strict".getBytes(StandardCharsets.UTF_8)));
                assertEquals("strict", RawFrames.read(s.getInputStream()).text());
                assertTrue(List.of("TLSv1.3", "TLSv1.2").contains(s.getSession().getProtocol()));
            }
            // A client that offers only a CBC suite (enabled by the JDK's defaults, not by the strict list).
            try (SSLSocket weak = (SSLSocket) tls.client().getSocketFactory().createSocket("127.0.0.1",
                    server.port())) {
                weak.setSoTimeout(10_000);
                weak.setEnabledProtocols(new String[] {"TLSv1.2"});
                weak.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"});
                assertThrows(SSLHandshakeException.class, weak::startHandshake);
            }
        }
    }
}
