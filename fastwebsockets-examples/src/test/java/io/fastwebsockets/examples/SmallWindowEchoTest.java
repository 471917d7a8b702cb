package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.Role;
import io.fastwebsockets.deflate.PerMessageDeflate;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SmallWindowEchoTest {
    @Test
    void theServerAnswersTheWindowsAskedForAndTheEchoIsIntact() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PerMessageDeflate.Agreement a = SmallWindowEcho.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(9, a.windowBitsWhenReceiving(Role.CLIENT), out);
        assertEquals(10, a.windowBitsWhenSending(Role.CLIENT), out);
        assertTrue(out.contains("answer: permessage-deflate; server_max_window_bits=9; client_max_window_bits=10"),
                out);
        assertTrue(out.contains("intact: true"), out);
    }
}
