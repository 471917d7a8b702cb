package io.fastwebsockets;

import static io.fastwebsockets.RawPeer.OP_BINARY;
import static io.fastwebsockets.RawPeer.OP_PING;
import static io.fastwebsockets.RawPeer.OP_TEXT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The mask bit and key as they appear on the wire, and the caller's buffers left untouched by masking. */
@Timeout(30)
class WireMaskingTest {
    private static final int[] SIZES = {0, 1, 5, 125, 126, 1023, 1024, 5000, 16 * 1024, 16 * 1024 + 7, 70_000};

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 125, 1023, 1024, 20_000, 70_000})
    void serverEchoOfAMaskedClientFrameGoesOutUnmasked(int size) throws IOException {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            byte[] payload = TestSupport.randomBytes(size, size);
            peer.send(peer.binary(payload)); // masked: the raw peer is the client
            Frame frame = peer.ws.readFrame();
            peer.ws.writeFrame(new Frame(true, frame.opcode(), null, frame.payload())); // the README's echo

            RawPeer.WireFrame echo = peer.readFrameAsIs();
            assertFalse(echo.masked(), "mask bit must be clear on a server's frame");
            assertEquals(OP_BINARY, echo.opcode());
            assertArrayEquals(payload, echo.payload());
        }
    }

    @Test
    void serverEchoingTheReceivedFrameObjectItselfSendsItUnmasked() throws IOException {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            peer.send(peer.text("as received"));
            Frame frame = peer.ws.readFrame();
            peer.ws.writeFrame(frame);
            RawPeer.WireFrame echo = peer.readFrameAsIs();
            assertFalse(echo.masked());
            assertEquals(OP_TEXT, echo.opcode());
            assertEquals("as received", echo.text());
        }
    }

    private static void clientMasksEveryFrameAndLeavesBuffersUntouched(WebSocket ws, RawPeer peer, boolean direct)
            throws IOException {
        Set<String> keys = new HashSet<>();
        for (int size : SIZES) {
            byte[] payload = TestSupport.randomBytes(size, 31L * size);
            // A buffer with something before its position and after its limit, which must not be touched either.
            int pad = 3;
            ByteBuffer whole = direct ? ByteBuffer.allocateDirect(size + 2 * pad) : ByteBuffer.allocate(size + 2 * pad);
            whole.put(new byte[] {7, 7, 7}).put(payload).put(new byte[] {9, 9, 9});
            ByteBuffer buf = whole.duplicate().limit(pad + size).position(pad); // payload is position..limit
            int position = buf.position();
            int limit = buf.limit();
            byte[] before = new byte[whole.capacity()];
            whole.get(0, before);

            ws.writeFrame(new Frame(true, OpCode.BINARY, null, buf));

            assertEquals(position, buf.position(), "writeFrame moved the payload's position");
            assertEquals(limit, buf.limit(), "writeFrame moved the payload's limit");
            byte[] after = new byte[whole.capacity()];
            whole.get(0, after);
            assertArrayEquals(before, after, "writeFrame modified the caller's buffer (masked it in place?)");

            RawPeer.WireFrame f = peer.readFrameAsIs();
            assertTrue(f.masked(), "client frame of " + size + " bytes sent without the mask bit");
            assertEquals(OP_BINARY, f.opcode());
            assertArrayEquals(payload, f.payload(), "unmasked with the key on the wire, the payload is intact");
            keys.add(java.util.HexFormat.of().formatHex(f.maskKey()));
        }
        assertEquals(SIZES.length, keys.size(), "every frame gets a fresh key: " + keys);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void clientMasksEveryFrameWithAFreshKeyAndNeverModifiesTheCallersBuffer(boolean direct) throws IOException {
        try (RawPeer peer = RawPeer.open(Role.CLIENT)) {
            clientMasksEveryFrameAndLeavesBuffersUntouched(peer.ws, peer, direct);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void clientMasksEveryFrameWithWritevOffAndManualFlush(boolean direct) throws IOException {
        try (RawPeer peer = RawPeer.open(Role.CLIENT)) {
            WebSocket ws = peer.ws;
            ws.setWritev(false);
            ws.setAutoFlush(false);
            for (int size : SIZES) {
                byte[] payload = TestSupport.randomBytes(size, 17L * size);
                ByteBuffer buf = direct ? ByteBuffer.allocateDirect(size).put(payload).flip()
                        : ByteBuffer.wrap(payload.clone());
                ws.writeFrame(new Frame(true, OpCode.BINARY, null, buf));
                ws.flush();
                assertEquals(0, buf.position());
                assertEquals(size, buf.limit());
                assertEquals(ByteBuffer.wrap(payload), buf, "caller's payload changed by a masked write");
                RawPeer.WireFrame f = peer.readFrameAsIs();
                assertTrue(f.masked());
                assertArrayEquals(payload, f.payload());
            }
        }
    }

    @ParameterizedTest(name = "writev={0} direct={1}")
    @org.junit.jupiter.params.provider.CsvSource({"true,false", "true,true", "false,false", "false,true"})
    void serverWriteFrameNeverMovesOrModifiesTheCallersBuffer(boolean writev, boolean direct) throws IOException {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            peer.ws.setWritev(writev);
            for (int size : SIZES) {
                byte[] payload = TestSupport.randomBytes(size, 13L * size);
                int pad = 2;
                ByteBuffer whole = direct ? ByteBuffer.allocateDirect(size + pad) : ByteBuffer.allocate(size + pad);
                whole.put(new byte[pad]).put(payload);
                ByteBuffer buf = whole.duplicate().limit(pad + size).position(pad);
                peer.ws.writeFrame(new Frame(true, OpCode.BINARY, null, buf));
                assertEquals(pad, buf.position(), "position moved by writing " + size + " bytes");
                assertEquals(pad + size, buf.limit(), "limit moved by writing " + size + " bytes");
                byte[] after = new byte[size];
                buf.get(pad, after);
                assertArrayEquals(payload, after);
                RawPeer.WireFrame f = peer.readFrame();
                assertArrayEquals(payload, f.payload());
            }
        }
    }

    @Test
    void clientMasksControlFramesToo() throws Exception {
        try (RawPeer peer = RawPeer.open(Role.CLIENT)) {
            peer.ws.writeFrame(Frame.ping(ByteBuffer.wrap(RawPeer.utf8("ping!"))));
            peer.send(peer.ping(RawPeer.utf8("auto")));
            peer.ws.readFrame(); // triggers the automatic pong
            RawPeer.WireFrame ping = peer.readFrameAsIs();
            assertTrue(ping.masked());
            assertEquals(OP_PING, ping.opcode());
            assertEquals("ping!", ping.text());
            RawPeer.WireFrame pong = peer.readFrameAsIs();
            assertTrue(pong.masked(), "automatic pong from a client must be masked");
            assertEquals("auto", pong.text());
        }
    }

    @Test
    void clientUsesTheCallersKeyWhenTheFrameCarriesOne() throws IOException {
        try (RawPeer peer = RawPeer.open(Role.CLIENT)) {
            byte[] key = {(byte) 0xA1, (byte) 0xB2, (byte) 0xC3, (byte) 0xD4};
            byte[] payload = TestSupport.randomBytes(3000, 3);
            ByteBuffer buf = ByteBuffer.wrap(payload.clone());
            peer.ws.writeFrame(new Frame(true, OpCode.BINARY, key, buf));
            assertArrayEquals(payload, buf.array(), "the caller's buffer is not masked in place");
            RawPeer.WireFrame f = peer.readFrameAsIs();
            assertTrue(f.masked());
            assertArrayEquals(key, f.maskKey());
            assertArrayEquals(payload, f.payload());
        }
    }

    @Test
    void withAutoApplyMaskOffAClientSendsAPreMaskedPayloadAsGivenUnderTheGivenKey() throws IOException {
        try (RawPeer peer = RawPeer.open(Role.CLIENT)) {
            peer.ws.setAutoApplyMask(false);
            byte[] key = {5, 6, 7, 8};
            byte[] plain = RawPeer.utf8("pre-masked by the application");
            byte[] masked = plain.clone();
            for (int i = 0; i < masked.length; i++) {
                masked[i] ^= key[i & 3];
            }
            peer.ws.writeFrame(new Frame(true, OpCode.TEXT, key, ByteBuffer.wrap(masked)));
            RawPeer.WireFrame f = peer.readFrameAsIs();
            assertTrue(f.masked());
            assertArrayEquals(key, f.maskKey());
            assertArrayEquals(plain, f.payload(), "masked exactly once, by the application");
        }
    }

    @Test
    void withAutoApplyMaskOffAServerReturnsTheMaskedPayloadAndItsKey() throws IOException {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            peer.ws.setAutoApplyMask(false);
            byte[] key = {(byte) 0x9A, 0x01, (byte) 0xFE, 0x33};
            byte[] plain = RawPeer.utf8("h\u00e9llo, still validated");
            peer.send(RawPeer.encode(true, 0, OP_TEXT, plain, key));
            Frame f = peer.ws.readFrame();
            assertArrayEquals(key, f.mask());
            byte[] got = f.payloadBytes();
            for (int i = 0; i < got.length; i++) {
                got[i] ^= key[i & 3];
            }
            assertArrayEquals(plain, got, "the payload is left masked for the application");
        }
    }

    @Test
    void serverWriteFrameWithAMaskThrowsIllegalArgumentAndSendsNothing() throws IOException {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            Frame masked = new Frame(true, OpCode.BINARY, new byte[] {1, 2, 3, 4}, ByteBuffer.wrap(new byte[10]));
            assertThrows(IllegalArgumentException.class, () -> peer.ws.writeFrame(masked));
            assertThrows(IllegalArgumentException.class, () -> peer.ws.writeHalf().writeFrame(masked));
            // Nothing of the refused frame reached the wire and the connection still works.
            assertFalse(peer.ws.isClosed());
            peer.ws.writeFrame(Frame.text("still fine"));
            RawPeer.WireFrame f = peer.readFrameAsIs();
            assertFalse(f.masked());
            assertEquals(OP_TEXT, f.opcode());
            assertEquals("still fine", f.text());
        }
    }
}
