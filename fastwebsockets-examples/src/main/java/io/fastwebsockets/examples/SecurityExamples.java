package io.fastwebsockets.examples;

import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.time.Duration;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The code of docs/security.md: upgrade options narrower or wider than the defaults, and a {@code wss://} server
 * with its TLS protocols and cipher suites pinned. Run by {@code SecurityExamplesTest}.
 */
public final class SecurityExamples {
    private SecurityExamples() {
    }

    /**
     * Options for an application served from two origins that exchanges messages of up to 8 MiB.
     *
     * @return the options
     */
    public static UpgradeOptions hardenedOptions() {
        UpgradeOptions options = UpgradeOptions.builder()
                .allowedOrigins("https://app.example", "https://admin.app.example")
                .maxMessageSize(8 << 20)
                .maxDecompressedMessageSize(16 << 20)
                .maxFramesPerMessage(4096)
                .handshakeTimeout(Duration.ofSeconds(5))
                .build();
        return options;
    }

    /**
     * A {@code wss://} echo server that speaks only TLS 1.3 and 1.2 with AEAD suites and forward secrecy, in its
     * own order of preference.
     *
     * @param host address to bind
     * @param port port to bind, 0 for any
     * @param keyManagers the server's key (from a {@code KeyManagerFactory})
     * @return the running server
     * @throws Exception if TLS cannot be set up or binding fails
     */
    public static WebSocketServer strictTlsServer(String host, int port, KeyManager[] keyManagers) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers, null, null);
        SSLParameters strict = context.getDefaultSSLParameters();
        strict.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        strict.setCipherSuites(new String[] {
                "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"});
        strict.setUseCipherSuitesOrder(true);
        return WebSocketServer.builder()
                .bind(host, port)
                .tls(context, strict)
                .upgradeOptions(hardenedOptions())
                .handler(EchoHandlers::echoMessages)
                .start();
    }
}
