package io.fastwebsockets.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A self-signed certificate made with the running JDK's keytool, and TLS contexts for both ends. */
public final class TestTls {
    private static final char[] PASS = "changeit".toCharArray();

    /** The server's context (key and certificate) and a client context trusting exactly that certificate. */
    public record Contexts(SSLContext server, SSLContext client) {
    }

    private TestTls() {
    }

    private static final java.util.Map<String, java.util.concurrent.CompletableFuture<Contexts>> SHARED =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A certificate for {@code san} made once per test JVM (each keytool run is a JVM start): the key store is
     * written to a fresh temporary directory, loaded, and deleted.
     */
    public static Contexts shared(String san) {
        return SHARED.computeIfAbsent(san, k -> java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                Path dir = Files.createTempDirectory("fastws-tls");
                try {
                    return selfSigned(dir, k);
                } finally {
                    try (var files = Files.list(dir)) {
                        for (Path f : (Iterable<Path>) files::iterator) {
                            Files.deleteIfExists(f);
                        }
                    }
                    Files.deleteIfExists(dir);
                }
            } catch (Exception e) {
                throw new IllegalStateException("could not make a test certificate for " + k, e);
            }
        }, task -> Thread.ofVirtual().start(task))).join();
    }

    /** Starts making certificates in the background, so that several keytool runs overlap. */
    public static void prepare(String... sans) {
        for (String san : sans) {
            Thread.ofVirtual().start(() -> shared(san)); // the first caller starts keytool; later ones wait
        }
    }

    /**
     * @param dir a directory for the key store
     * @param san the subjectAltName extension value, e.g. {@code ip:127.0.0.1} or {@code dns:example.invalid}
     */
    public static Contexts selfSigned(Path dir, String san) throws Exception {
        Path store = dir.resolve("ks-" + san.replaceAll("[^a-z0-9]", "_") + ".p12");
        if (!Files.exists(store)) {
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            Process p = new ProcessBuilder(List.of(keytool, "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-genkeypair", "-alias", "test",
                    "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                    "-dname", "CN=fastwebsockets test", "-ext", "san=" + san, "-validity", "2",
                    "-keystore", store.toString(), "-storetype", "PKCS12",
                    "-storepass", new String(PASS), "-keypass", new String(PASS), "-noprompt"))
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool failed: " + output);
            }
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASS);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASS);
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);

        Certificate cert = ks.getCertificate("test");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        return new Contexts(server, client);
    }
}
