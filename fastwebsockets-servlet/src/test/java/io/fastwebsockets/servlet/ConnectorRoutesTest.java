package io.fastwebsockets.servlet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.testkit.TestTls;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The connectors beside the plain ones of {@link ContainerRouteTest}, and the route each takes: Tomcat's NIO2 connector
 * (its channel is not a {@code NioChannel}, so the socket is not handed to our loop), Tomcat's NIO and NIO2
 * connectors with TLS, and Jetty's connector with TLS (the endpoint is Jetty's decrypting one) all keep the connection on the container's
 * own non-blocking I/O and events. On each, messages of several sizes come back intact (a 1 MiB one crosses many
 * partial reads and writes), and close codes go both ways: the server's 1001 reaches the client, the client's 4001
 * reaches the handler.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConnectorRoutesTest {
    private static final char[] PASS = "changeit".toCharArray();

    /** A container with one connector of a kind. */
    enum Setup {
        TOMCAT_NIO2(false), TOMCAT_NIO_TLS(true), TOMCAT_NIO2_TLS(true), JETTY_TLS(true);

        final boolean tls;

        Setup(boolean tls) {
            this.tls = tls;
        }
    }

    @TempDir
    static Path dir;
    private static TestTls.Contexts tls;
    private static KeyStore keyStore;
    private AutoCloseable running;

    @BeforeAll
    static void certificate() throws Exception {
        tls = TestTls.selfSigned(dir, "ip:127.0.0.1");
        keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("ks-ip_127_0_0_1.p12"))) {
            keyStore.load(in, PASS);
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Setup.class)
    void theConnectionStaysOnTheContainersEventsEchoesAndCarriesCloseCodesBothWays(Setup setup) throws Exception {
        ScriptedServlet servlet = new ScriptedServlet(Duration.ofSeconds(5));
        int port = start(setup, servlet);
        URI uri = URI.create((setup.tls ? "wss" : "ws") + "://127.0.0.1:" + port + "/");
        ClientOptions options = setup.tls ? ClientOptions.builder().sslContext(tls.client()).build()
                : ClientOptions.defaults();

        FragmentCollector ws = new FragmentCollector(Handshake.connect(uri, options).webSocket());
        for (int size : new int[] {0, 125, 70_000, 1 << 20}) {
            byte[] b = new byte[size];
            new Random(size).nextBytes(b);
            ws.writeFrame(Frame.binary(b));
            Frame got = ws.readFrame();
            assertEquals(OpCode.BINARY, got.opcode(), setup + " " + size);
            assertArrayEquals(b, got.payloadBytes(), setup + " " + size);
        }
        assertEquals(List.of(ContainerConnection.Route.CONTAINER_EVENTS), servlet.upgrade.routes());
        ws.writeFrame(Frame.text("cmd:close"));
        Frame close = ws.readFrame();
        assertEquals(OpCode.CLOSE, close.opcode());
        assertEquals(CloseCode.GOING_AWAY, CloseCode.parse(close.payload()).code());
        assertEquals("close(1001) returned", servlet.events.poll(10, TimeUnit.SECONDS));

        FragmentCollector second = new FragmentCollector(Handshake.connect(uri, options).webSocket());
        second.writeFrame(Frame.text("hello"));
        assertEquals("hello", second.readFrame().payloadAsText());
        second.close(4001, "client leaves");
        assertEquals("received Close 4001 client leaves", servlet.events.poll(10, TimeUnit.SECONDS));
    }

    private int start(Setup setup, ScriptedServlet servlet) throws Exception {
        return switch (setup) {
            case TOMCAT_NIO2 -> startTomcat(servlet, "org.apache.coyote.http11.Http11Nio2Protocol", false);
            case TOMCAT_NIO_TLS -> startTomcat(servlet, "org.apache.coyote.http11.Http11NioProtocol", true);
            case TOMCAT_NIO2_TLS -> startTomcat(servlet, "org.apache.coyote.http11.Http11Nio2Protocol", true);
            case JETTY_TLS -> startJettyTls(servlet, tls.server());
        };
    }

    private int startTomcat(ScriptedServlet servlet, String protocol, boolean secure) throws Exception {
        Path base = Files.createTempDirectory(dir, "tomcat");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Connector connector = new Connector(protocol);
        connector.setProperty("address", "127.0.0.1");
        connector.setPort(0);
        if (secure) {
            connector.setSecure(true);
            connector.setScheme("https");
            connector.setProperty("SSLEnabled", "true");
            SSLHostConfig host = new SSLHostConfig();
            SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(host,
                    SSLHostConfigCertificate.Type.UNDEFINED);
            certificate.setCertificateKeystore(keyStore);
            certificate.setCertificateKeystorePassword(new String(PASS));
            certificate.setCertificateKeyAlias("test");
            host.addCertificate(certificate);
            connector.addSslHostConfig(host);
        }
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", base.toString());
        Tomcat.addServlet(context, "websocket", servlet);
        context.addServletMappingDecoded("/*", "websocket");
        tomcat.start();
        running = () -> {
            tomcat.stop();
            tomcat.destroy();
        };
        return connector.getLocalPort();
    }

    private int startJettyTls(ScriptedServlet servlet, SSLContext context) throws Exception {
        Server server = new Server();
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setSslContext(context);
        ServerConnector connector = new ServerConnector(server, ssl);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler handler = new ServletContextHandler("/");
        handler.addServlet(new ServletHolder(servlet), "/*");
        server.setHandler(handler);
        server.start();
        running = () -> {
            handler.stop();
            server.stop();
        };
        return connector.getLocalPort();
    }
}
