package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class CompressedEchoTest {
    @Test
    void serverAndClientAgreeOnDeflateAndTheEchoComesBackCompressedAndIntact() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String header = CompressedEcho.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertEquals("permessage-deflate", header);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("echoed 33000 bytes, compressed on the way back: true, intact: true"), out);
    }
}
