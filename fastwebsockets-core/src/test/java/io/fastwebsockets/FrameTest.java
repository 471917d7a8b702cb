package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The Frame constructor refuses frames that could never be sent. */
class FrameTest {
    private static final OpCode[] CONTROL = {OpCode.CLOSE, OpCode.PING, OpCode.PONG};

    @Test
    void controlFrameOver125BytesIsRejectedAnd125IsAccepted() {
        for (OpCode op : CONTROL) {
            assertThrows(IllegalArgumentException.class,
                    () -> new Frame(true, op, null, ByteBuffer.allocate(126)), op.toString());
            assertEquals(125, new Frame(true, op, null, ByteBuffer.allocate(125)).length());
            // only the remaining bytes count
            ByteBuffer big = ByteBuffer.allocate(300).position(175);
            assertEquals(125, new Frame(true, op, null, big).length());
        }
        assertThrows(IllegalArgumentException.class, () -> Frame.ping(ByteBuffer.allocate(126)));
        assertThrows(IllegalArgumentException.class, () -> Frame.pong(ByteBuffer.allocate(200)));
    }

    @Test
    void fragmentedControlFrameIsRejectedButFragmentedDataFramesAreNot() {
        for (OpCode op : CONTROL) {
            assertThrows(IllegalArgumentException.class, () -> new Frame(false, op, null, null), op.toString());
        }
        for (OpCode op : new OpCode[] {OpCode.TEXT, OpCode.BINARY, OpCode.CONTINUATION}) {
            Frame f = new Frame(false, op, null, ByteBuffer.allocate(70000));
            assertFalse(f.fin());
            assertEquals(70000, f.length());
        }
    }

    @Test
    void maskKeyMustBeExactlyFourBytes() {
        assertThrows(IllegalArgumentException.class, () -> new Frame(true, OpCode.BINARY, new byte[3], null));
        assertThrows(IllegalArgumentException.class, () -> new Frame(true, OpCode.BINARY, new byte[5], null));
        assertThrows(IllegalArgumentException.class, () -> new Frame(true, OpCode.BINARY, new byte[0], null));
        byte[] key = {1, 2, 3, 4};
        assertArrayEquals(key, new Frame(true, OpCode.BINARY, key, null).mask());
        assertThrows(NullPointerException.class, () -> new Frame(true, null, null, null));
    }

    @Test
    void nullPayloadIsEmpty() {
        assertEquals(0, new Frame(true, OpCode.PING, null, null).length());
    }

    @Test
    void closeFactoryBuildsAValidPayloadAndRejectsForbiddenCodes() throws Exception {
        Frame f = Frame.close(1000, "ok");
        assertEquals(OpCode.CLOSE, f.opcode());
        assertEquals(new CloseCode.Status(1000, "ok"), CloseCode.parse(f.payload()));
        assertThrows(IllegalArgumentException.class, () -> Frame.close(1006, "x"));
        assertThrows(IllegalArgumentException.class, () -> Frame.close(1004, null));
        // NO_STATUS (1005) is the documented way to ask for an empty payload, never sent as a code
        assertEquals(0, Frame.close(CloseCode.NO_STATUS, null).length());
        assertThrows(IllegalArgumentException.class, () -> Frame.close(CloseCode.NO_STATUS, "why"));
    }

    @Test
    void copyIsIndependentAndPayloadBytesKeepsThePosition() {
        byte[] data = {1, 2, 3};
        Frame f = Frame.binary(data);
        Frame c = f.copy();
        data[0] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, c.payloadBytes());
        assertNotSame(f.payload(), c.payload());
        assertEquals(0, f.payload().position());
        assertArrayEquals(new byte[] {9, 2, 3}, f.payloadBytes());
        assertEquals(0, f.payload().position());
        assertEquals("h\u00e9", Frame.text("h\u00e9").payloadAsText());
    }
}
