package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LoopbackEchoTest {
    @Test
    @Timeout(30)
    void exampleEchoesEveryMessageAndClosesNormally() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = LoopbackEcho.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1000, code, out);
        assertTrue(out.contains("text echoed:   hello, fastwebsockets"), out);
        assertTrue(out.contains("binary echoed: 5 bytes"), out);
        assertTrue(out.contains("joined echo:   fragmented message"), out);
        assertTrue(out.contains("ping answered: PONG \"are you there\""), out);
        assertTrue(!out.contains("server: "), out);
    }
}
