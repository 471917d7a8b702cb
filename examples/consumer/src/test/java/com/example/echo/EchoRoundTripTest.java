package com.example.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.server.WebSocketServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Round trips through the published artifacts: the embedded server, and the servlet upgrade in Tomcat. */
@Timeout(60)
class EchoRoundTripTest {
    @Test
    void theEmbeddedServerEchoesAMessage() throws Exception {
        try (WebSocketServer server = EchoServer.start(0)) {
            roundTrip(URI.create("ws://127.0.0.1:" + server.port() + "/"));
        }
    }

    @Test
    void theServletEchoesAMessageInsideTomcat() throws Exception {
        Path base = Files.createTempDirectory(Path.of("target"), "tomcat");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Connector connector = new Connector();
        connector.setProperty("address", "127.0.0.1");
        connector.setPort(0);
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);
        StandardContext context = (StandardContext) tomcat.addContext("", base.toAbsolutePath().toString());
        context.setClearReferencesRmiTargets(false); // leak detection for redeployed webapps: needs --add-opens
        context.setClearReferencesThreadLocals(false);
        Tomcat.addServlet(context, "echo", new EchoServlet());
        context.addServletMappingDecoded("/*", "echo");
        tomcat.start();
        try {
            roundTrip(URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/echo"));
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    private static void roundTrip(URI uri) throws Exception {
        try (FragmentCollector ws = new FragmentCollector(Handshake.connect(uri).webSocket())) {
            ws.writeFrame(Frame.text("hello from a consumer"));
            assertEquals("hello from a consumer", ws.readFrame().payloadAsText());
            ws.writeFrame(Frame.binary(new byte[70_000]));
            assertEquals(70_000, ws.readFrame().length());
            ws.writeFrame(Frame.close(CloseCode.NORMAL, "done"));
            Frame close = ws.readFrame();
            assertEquals(CloseCode.NORMAL, CloseCode.parse(close.payload()).code());
        }
    }
}
