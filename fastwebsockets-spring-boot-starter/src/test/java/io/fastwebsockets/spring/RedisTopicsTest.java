package io.fastwebsockets.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.redis.RedisBackplane;
import io.fastwebsockets.server.Backplane;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * Issue 18's Redis backplane from {@code application.properties}: two Boot applications (two nodes, each its own
 * embedded Tomcat) given {@code fastwebsockets.redis.url} and {@code password} (and, over TLS, an SSL bundle) share a
 * real {@code redis-server} that requires that password; a message published on one node reaches a subscriber on the
 * other through {@link WebSocketTopics}. Without the password (or without the bundle's trust) the nodes could not
 * join Redis and the message would never arrive.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisTopicsTest {
    private static final String BINARY = "/usr/bin/redis-server";
    private static final String PASSWORD = "test-only-s3cret";

    @TempDir
    Path dir;

    private Process redis;
    private final List<ConfigurableApplicationContext> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        nodes.forEach(ConfigurableApplicationContext::close);
        if (redis != null) {
            redis.destroyForcibly();
            redis.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aMessagePublishedOnOneNodeReachesASubscriberOnTheOtherThroughRedisWithThePassword() throws Exception {
        int port = freePort();
        startRedis(port, "--port", Integer.toString(port), "--requirepass", PASSWORD);
        String[] redisProperties = {"fastwebsockets.redis.url=redis://127.0.0.1:" + port,
            "fastwebsockets.redis.password=" + PASSWORD};
        crossNodeDelivery(redisProperties, DefaultJedisClientConfig.builder().password(PASSWORD).build(), port);
    }

    @Test
    void overTlsWithTheTrustOfAnSslBundle() throws Exception {
        Path cert = selfSignedPem();
        int port = freePort();
        startRedis(port, "--port", "0", "--tls-port", Integer.toString(port), "--tls-cert-file", cert.toString(),
                "--tls-key-file", dir.resolve("key.pem").toString(), "--tls-auth-clients", "no",
                "--requirepass", PASSWORD);
        String[] redisProperties = {"fastwebsockets.redis.url=rediss://127.0.0.1:" + port,
            "fastwebsockets.redis.password=" + PASSWORD, "fastwebsockets.redis.ssl-bundle=redis",
            "spring.ssl.bundle.pem.redis.truststore.certificate=file:" + cert};
        SSLContext trust = SSLContext.getInstance("TLS");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (var in = Files.newInputStream(cert)) {
            ks.setCertificateEntry("redis", java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        trust.init(null, tmf.getTrustManagers(), null);
        crossNodeDelivery(redisProperties, DefaultJedisClientConfig.builder().password(PASSWORD).ssl(true)
                .sslSocketFactory(trust.getSocketFactory()).build(), port);
    }

    /** Two nodes on {@code redis}: a client on the first subscribes, a client on the second publishes. */
    private void crossNodeDelivery(String[] redisProperties, DefaultJedisClientConfig jedis, int redisPort)
            throws Exception {
        ConfigurableApplicationContext a = node(redisProperties);
        ConfigurableApplicationContext b = node(redisProperties);
        assertInstanceOf(RedisBackplane.class, a.getBean(Backplane.class), "the backplane made from the properties");
        if (redisProperties[0].contains("rediss")) {
            assertTrue(a.getBean(SslBundles.class).getBundle("redis") != null);
        }

        FragmentCollector subscriber = new FragmentCollector(Clients.connect(portOf(a), "/topics").webSocket());
        subscriber.writeFrame(Frame.text("sub news"));
        assertEquals("subscribed news", Clients.next(subscriber).payloadAsText());
        // Redis counts node a's subscription to the topic's channel once a has joined Redis (with the password, and
        // over TLS trusting the bundle's certificate); Redis Pub/Sub keeps nothing, so publish only after that
        HostAndPort address = new HostAndPort("127.0.0.1", redisPort);
        Clients.await("node a's subscription to reach Redis", () -> numsub(address, jedis, "fastws:news") == 1);

        FragmentCollector publisher = new FragmentCollector(Clients.connect(portOf(b), "/topics").webSocket());
        publisher.writeFrame(Frame.text("pub news hello from b"));
        assertEquals("published 0", Clients.next(publisher).payloadAsText(), "no subscriber on node b itself");
        assertEquals("hello from b", Clients.next(subscriber).payloadAsText(), "delivered on node a through Redis");

        WebSocketTopics onA = a.getBean(WebSocketTopics.class);
        WebSocketTopics onB = b.getBean(WebSocketTopics.class);
        // each backplane counts a message after handing it on, so the subscriber can have it before the count
        Clients.await("b to count the forward", () -> onB.backplaneStats().published() == 1);
        Clients.await("a to count the message received", () -> onA.backplaneStats().received() == 1);
        subscriber.close(CloseCode.NORMAL, "");
        publisher.close(CloseCode.NORMAL, "");
        // the connection's end ends its subscription, and so node a's subscription in Redis
        Clients.await("the subscription to end with its connection", () -> onA.subscriberCount("news") == 0);
        Clients.await("node a to leave the channel", () -> numsub(address, jedis, "fastws:news") == 0);
    }

    private ConfigurableApplicationContext node(String... redisProperties) {
        List<String> p = new ArrayList<>(List.of(Containers.TOMCAT_ONLY, "server.port=0", "server.address=127.0.0.1"));
        p.addAll(List.of(redisProperties));
        ConfigurableApplicationContext c = new SpringApplicationBuilder(TopicsApp.class)
                .properties(p.toArray(String[]::new)).run();
        nodes.add(c);
        return c;
    }

    private static int portOf(ConfigurableApplicationContext c) {
        return ((ServletWebServerApplicationContext) c).getWebServer().getPort();
    }

    private static long numsub(HostAndPort address, DefaultJedisClientConfig config, String channel) {
        try (Jedis j = new Jedis(address, config)) {
            return j.pubsubNumSub(channel).getOrDefault(channel, 0L);
        } catch (RuntimeException notYet) {
            return -1;
        }
    }

    private void startRedis(int port, String... args) throws Exception {
        if (!Files.isExecutable(Path.of(BINARY))) {
            throw new IllegalStateException("redis-server is missing: install it with "
                    + "`sudo apt-get install -y redis-server` (the test command does this; see .ci/run)");
        }
        List<String> command = new ArrayList<>(List.of(BINARY, "--bind", "127.0.0.1", "--save", "", "--appendonly",
                "no", "--dir", dir.toString()));
        command.addAll(List.of(args));
        redis = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                if (!redis.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("redis-server did not listen on " + port + ": "
                            + Files.readString(dir.resolve("redis.log")));
                }
                Thread.sleep(20);
            }
        }
    }

    /**
     * A self-signed certificate for 127.0.0.1 made by the JDK's keytool, written as PEM for redis-server: cert.pem
     * (returned) and key.pem (PKCS#8) in the test's directory.
     */
    private Path selfSignedPem() throws Exception {
        Path store = dir.resolve("redis.p12");
        char[] pass = "test-only".toCharArray();
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "redis", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", new String(pass), "-keypass", new String(pass))
                .redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool: " + out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            ks.load(in, pass);
        }
        Base64.Encoder pem = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + pem.encodeToString(ks.getKey("redis", pass).getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        Path cert = dir.resolve("cert.pem");
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n"
                + pem.encodeToString(ks.getCertificate("redis").getEncoded()) + "\n-----END CERTIFICATE-----\n");
        return cert;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
