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
        // Our client offers client_max_window_bits; the server asks for its own window when that is below 15 (with
        // native zlib, where the default window is 11 bits).
        int bits = io.fastwebsockets.deflate.PerMessageDeflate.defaults().windowBits();
        assertEquals(bits < 15 ? "permessage-deflate; client_max_window_bits=" + bits : "permessage-deflate", header);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("echoed 33000 bytes, compressed on the way back: true, intact: true"), out);
    }
}
