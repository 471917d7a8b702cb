package io.fastwebsockets;

import static io.fastwebsockets.RawPeer.OP_BINARY;
import static io.fastwebsockets.RawPeer.OP_PONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One thread reads (through the {@link ReadHalf}) while four threads write (through the {@link WriteHalf}); the
 * peer meanwhile sends pings and data. Every message must arrive whole, unmixed and in per-writer order, and the
 * automatic pongs must slot in between whole frames, in ping order.
 */
@Timeout(120)
class FullDuplexTest {
    private static final int WRITERS = 4;
    private static final int MESSAGES_PER_WRITER = 1000;
    private static final int PINGS = 300;
    private static final int PEER_MESSAGES = 300;

    /** [writer:1][seq:4][body...][crc32 of all before:4] */
    static byte[] message(int writer, int seq, Random r) {
        int bodyLength;
        if (seq % 250 == 0) {
            bodyLength = 70_000 + r.nextInt(1000); // 64-bit length, larger than the write buffer
        } else if (seq % 10 == 0) {
            bodyLength = 1024 + r.nextInt(3000); // gathering-write sizes
        } else {
            bodyLength = r.nextInt(1100); // small: copied into the write buffer
        }
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + bodyLength + 4);
        b.put((byte) writer).putInt(seq);
        byte[] body = new byte[bodyLength];
        r.nextBytes(body);
        b.put(body);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** Checks a message's checksum; returns {writer, seq}. */
    static int[] check(byte[] m) {
        if (m.length < 9) {
            fail("message too short to be one of ours: " + m.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(m);
        CRC32 crc = new CRC32();
        crc.update(m, 0, m.length - 4);
        if (b.getInt(m.length - 4) != (int) crc.getValue()) {
            fail("checksum mismatch: a message was corrupted or mixed with another (" + m.length + " bytes)");
        }
        return new int[] {m[0], b.getInt(1)};
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void oneReaderAndFourWritersAtOnceDeliverEveryMessageIntactAndPongsInterleaveCleanly(Role role)
            throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            ReadHalf readHalf = peer.ws.readHalf();
            WriteHalf writeHalf = peer.ws.writeHalf();

            // Our reader: verifies the peer's messages and counts the pings it (automatically) answers.
            var reader = TestSupport.background("reader", () -> {
                int pings = 0;
                int messages = 0;
                while (true) {
                    Frame f = readHalf.readFrame();
                    switch (f.opcode()) {
                        case PING -> {
                            assertEquals("ping-" + pings, f.payloadAsText());
                            pings++;
                        }
                        case BINARY -> {
                            int[] id = check(f.payloadBytes());
                            assertEquals(9, id[0]);
                            assertEquals(messages, id[1], "peer messages arrive in order");
                            messages++;
                        }
                        case CLOSE -> {
                            return new int[] {pings, messages};
                        }
                        default -> fail("unexpected " + f);
                    }
                }
            });

            List<TestSupport.Background<Void>> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.add(TestSupport.background("writer-" + w, () -> {
                    Random r = new Random(writer);
                    for (int seq = 0; seq < MESSAGES_PER_WRITER; seq++) {
                        writeHalf.writeFrame(Frame.binary(message(writer, seq, r)));
                    }
                    return null;
                }));
            }

            // The peer sends pings and messages of its own while our writers are busy.
            var peerSender = TestSupport.background("peer-sender", () -> {
                Random r = new Random(1234);
                for (int i = 0; i < Math.max(PINGS, PEER_MESSAGES); i++) {
                    ByteArrayOutputStream batch = new ByteArrayOutputStream();
                    if (i < PINGS) {
                        batch.writeBytes(peer.ping(RawPeer.utf8("ping-" + i)));
                    }
                    if (i < PEER_MESSAGES) {
                        batch.writeBytes(peer.binary(message(9, i, r)));
                    }
                    peer.send(batch.toByteArray());
                }
                return null;
            });

            // The peer reads everything our side sends: whole frames only, or its strict decoding breaks.
            int[] next = new int[WRITERS];
            int pongs = 0;
            int total = WRITERS * MESSAGES_PER_WRITER;
            int received = 0;
            while (received < total || pongs < PINGS) {
                RawPeer.WireFrame f = peer.readFrame();
                assertTrue(f.fin());
                assertEquals(0, f.rsv());
                if (f.opcode() == OP_PONG) {
                    assertEquals("ping-" + pongs, f.text(), "pongs answer the pings in order");
                    pongs++;
                } else {
                    assertEquals(OP_BINARY, f.opcode(), "unexpected frame " + f);
                    int[] id = check(f.payload());
                    int writer = id[0];
                    assertTrue(writer >= 0 && writer < WRITERS, "unknown writer " + writer);
                    assertEquals(next[writer], id[1], "writer " + writer + "'s messages arrive in its order");
                    next[writer]++;
                    received++;
                }
            }
            for (var w : writers) {
                w.get();
            }
            peerSender.get();
            for (int w = 0; w < WRITERS; w++) {
                assertEquals(MESSAGES_PER_WRITER, next[w]);
            }

            // Close from the peer: the reader gets it, our side echoes it.
            peer.send(peer.closeFrame(1000, ""));
            peer.expectClose(1000);
            if (role == Role.CLIENT) {
                peer.shutdownOutput();
            }
            int[] readerCounts = reader.get();
            assertEquals(PINGS, readerCounts[0], "the reader saw every ping");
            assertEquals(PEER_MESSAGES, readerCounts[1], "the reader saw every peer message");
            peer.expectEof();
        }
    }
}
