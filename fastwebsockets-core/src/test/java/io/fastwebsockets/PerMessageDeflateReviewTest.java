package io.fastwebsockets;

import static io.fastwebsockets.RawPeer.OP_TEXT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.PerMessageDeflateConnectionTest.PeerDeflater;
import io.fastwebsockets.PerMessageDeflateConnectionTest.PeerInflater;
import io.fastwebsockets.deflate.PerMessageDeflate;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Defects found reviewing permessage-deflate on a connection; each test failed before its fix. */
class PerMessageDeflateReviewTest {
    private static final byte[] TEXT = "compress me, compress me, compress me! ".repeat(100)
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[] SMALL = "hi there".getBytes(StandardCharsets.UTF_8);

    private static RawPeer open(Role role) throws Exception {
        RawPeer p = RawPeer.open(role);
        p.ws.enablePerMessageDeflate(PerMessageDeflate.builder().threshold(100).build()
                .acceptResponse(List.of("permessage-deflate")));
        p.ws.setCloseTimeout(Duration.ofMillis(500));
        return p;
    }

    // The payload of a frame our side sent, inflated if it went out compressed.
    private static byte[] messageOf(RawPeer.WireFrame w) throws Exception {
        return w.rsv() == 4 ? new PeerInflater().message(w.payload()) : w.payload();
    }

    // ------------------------------------------------------------------------------- RSV1 of received frames

    @Test
    void echoingAReceivedSmallCompressedMessageDoesNotSendRsv1OnPlainBytes() throws Exception {
        // The Frame javadoc says "pass them straight to writeFrame (an echo is correct)", and EchoHandlers does it
        // through FragmentCollector. A browser compresses even a few bytes; our threshold sends them back plain.
        try (RawPeer p = open(Role.SERVER)) {
            p.send(p.frame(true, 4, OP_TEXT, new PeerDeflater().part(SMALL, true)));
            FragmentCollector c = new FragmentCollector(p.ws);
            Frame f = c.readFrame();
            assertEquals(4, f.rsv());
            c.writeFrame(f);
            RawPeer.WireFrame w = p.readFrame();
            assertArrayEquals(SMALL, messageOf(w), "RSV1 must mean the payload is compressed: " + w);
        }
    }

    @Test
    void forwardingAnInflatedFrameToAnUncompressedConnectionSendsNoRsv1() throws Exception {
        try (RawPeer in = open(Role.SERVER); RawPeer out = RawPeer.open(Role.SERVER)) {
            in.send(in.frame(true, 4, OP_TEXT, new PeerDeflater().part(TEXT, true)));
            Frame f = in.ws.readFrame();
            assertEquals(4, f.rsv());
            out.ws.writeFrame(f); // a broadcast to a client that did not negotiate compression
            RawPeer.WireFrame w = out.readFrame();
            assertEquals(0, w.rsv(), "RSV1 on a connection without permessage-deflate");
            assertArrayEquals(TEXT, w.payload());
        }
    }

    // ------------------------------------------------------------------------------- refused writes

    @Test
    void aMaskedFrameRefusedByAServerDoesNotAdvanceTheCompressor() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            assertThrows(IllegalArgumentException.class, () -> p.ws.writeFrame(
                    new Frame(true, OpCode.TEXT, new byte[] {1, 2, 3, 4}, ByteBuffer.wrap(TEXT))));
            p.ws.writeFrame(Frame.text(ByteBuffer.wrap(TEXT)));
            RawPeer.WireFrame w = p.readFrame();
            assertEquals(4, w.rsv());
            // The peer never saw the refused message: the one sent must not refer back to it.
            assertArrayEquals(TEXT, new PeerInflater().message(w.payload()));
        }
    }

    @Test
    void aRefusedFirstFragmentLeavesNoMessageOpen() throws Exception {
        try (RawPeer p = open(Role.CLIENT)) {
            p.ws.setAutoApplyMask(false);
            assertThrows(IllegalStateException.class, () -> p.ws.writeFrame(
                    new Frame(false, OpCode.BINARY, new byte[] {1, 2, 3, 4}, ByteBuffer.wrap(TEXT))));
            p.ws.writeFrame(Frame.binary(TEXT)); // nothing was sent: a new message may start
            assertArrayEquals(TEXT, messageOf(p.readFrame()));
        }
    }

    // ------------------------------------------------------------------------------- release on close

    @Test
    void aFlushHoldingTheWriteLockWhileTheReaderClosesTheTransportStillReleasesTheDeflater() throws Exception {
        CountDownLatch inWrite = new CountDownLatch(1);
        CountDownLatch readerDone = new CountDownLatch(1);
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                inWrite.countDown();
                try {
                    // Hold the write (and the connection's write lock) until the reader has closed the transport.
                    readerDone.await(TestSupport.GUARD_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        InputStream in = InputStream.nullInputStream(); // the peer hangs up
        WebSocket ws = WebSocket.afterHandshake(in, out, Role.SERVER);
        ws.enablePerMessageDeflate(PerMessageDeflate.builder().threshold(0).build()
                .acceptResponse(List.of("permessage-deflate")));
        ws.setAutoFlush(false);
        ws.writeFrame(Frame.text(ByteBuffer.wrap(TEXT))); // compressed into the write buffer, not written yet
        assertTrue(ws.writer().deflater().holdsDeflater());
        TestSupport.Background<Void> flusher = TestSupport.background("flusher", () -> {
            ws.flush();
            return null;
        });
        assertTrue(inWrite.await(TestSupport.GUARD_SECONDS, TimeUnit.SECONDS));
        assertThrows(ConnectionClosedException.class, ws::readFrame); // end of stream: closes the transport
        readerDone.countDown();
        flusher.get();
        assertTrue(ws.isClosed());
        assertFalse(ws.writer().deflater().holdsDeflater(), "the Deflater was never ended");
    }

    // ------------------------------------------------------------------------------- §7.2.2 tail handling

    @Test
    void anEmptyCompressedPayloadIsAnEmptyMessageAndLeavesTheContextAsItWas() throws Exception {
        // zlib writes nothing for a sync flush with no input right after another one, so a sender that strips the
        // tail only when present sends an empty message as RSV1 with no payload. Appending 00 00 FF FF to nothing
        // leaves the inflater inside a stored block header, and the next message was read as its continuation.
        try (RawPeer p = open(Role.SERVER)) {
            PeerDeflater pd = new PeerDeflater();
            p.send(p.frame(true, 4, OP_TEXT, pd.part(TEXT, true)),
                    p.frame(true, 4, OP_TEXT, new byte[0]),
                    p.frame(true, 4, OP_TEXT, pd.part(TEXT, true)));
            assertArrayEquals(TEXT, p.ws.readFrame().payloadBytes());
            assertEquals(0, p.ws.readFrame().length());
            assertArrayEquals(TEXT, p.ws.readFrame().payloadBytes());
        }
    }

    @Test
    void anEmptyCompressedPayloadFollowedByAnEmptyStoredBlockIsTwoEmptyMessagesNotCorruptData() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            p.send(p.frame(true, 4, RawPeer.OP_BINARY, new byte[0]),
                    p.frame(true, 4, RawPeer.OP_BINARY, new byte[] {0})); // RFC 7692 §7.2.3.6's empty message
            assertEquals(0, p.ws.readFrame().length());
            Frame second = p.ws.readFrame();
            assertEquals(0, second.length(), "bytes of the wire delivered as the message: " + second);
        }
    }

    // ------------------------------------------------------------------------------- checked and found correct

    @Test
    void oneFrameBroadcastAtOnceToCompressedAndPlainConnectionsArrivesIntactEverywhere() throws Exception {
        List<RawPeer> peers = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                peers.add(i % 3 == 2 ? RawPeer.open(i % 2 == 0 ? Role.SERVER : Role.CLIENT)
                        : open(i % 2 == 0 ? Role.SERVER : Role.CLIENT));
            }
            ByteBuffer shared = ByteBuffer.wrap(TEXT);
            Frame frame = Frame.text(shared);
            CountDownLatch go = new CountDownLatch(1);
            List<TestSupport.Background<Void>> writers = new ArrayList<>();
            for (RawPeer p : peers) {
                writers.add(TestSupport.background("writer", () -> {
                    go.await();
                    for (int k = 0; k < 20; k++) {
                        p.ws.writeFrame(frame);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (RawPeer p : peers) {
                PeerInflater pi = new PeerInflater(); // one per connection: context takeover across the 20
                for (int k = 0; k < 20; k++) {
                    RawPeer.WireFrame w = p.readFrame();
                    assertArrayEquals(TEXT, w.rsv() == 4 ? pi.message(w.payload()) : w.payload());
                }
            }
            for (TestSupport.Background<Void> w : writers) {
                w.get();
            }
            assertEquals(0, shared.position());
            assertEquals(TEXT.length, shared.limit());
        } finally {
            for (RawPeer p : peers) {
                p.close();
            }
        }
    }
}
