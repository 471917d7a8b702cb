package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fastwebsockets.testkit.RawFrames;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a connection that has only completed its handshake holds: the parts only a write, a frame, a close from
 * another thread or a half needs are made when first needed, and then behave as before (one gather array, one
 * frame, the same half every time). The locks are the reader and writer themselves ({@link SelfLock}).
 */
@Timeout(60)
class IdleConnectionFootprintTest {
    private static final String[] LAZY = {"gather", "received", "transportClosed", "readHalf",
        "writeHalf"};

    // A field of the connection or of one of its parts (reader, writer, closing handshake), by name.
    private static Object field(WebSocket ws, String name) throws ReflectiveOperationException {
        for (Object o : new Object[] {ws, ws.reader(), ws.writer(), ws.closing}) {
            for (Field f : o.getClass().getDeclaredFields()) {
                if (f.getName().equals(name)) {
                    f.setAccessible(true);
                    return f.get(o);
                }
            }
        }
        throw new NoSuchFieldException(name);
    }

    @Test
    void aConnectionThatDidNothingHoldsNoneOfTheLazyParts() throws Exception {
        SocketChannel[] pair = RawPeer.socketPair();
        try (SocketChannel peer = pair[0]; SocketChannel mine = pair[1]) {
            WebSocket ws = WebSocket.afterHandshake(mine, Role.SERVER);
            for (String name : LAZY) {
                assertNull(field(ws, name), name + " made before it was needed");
            }

            // A binary frame of 2 KiB (above the writev threshold) from the peer, echoed back: the frame and the gather
            // array are made, and reused.
            byte[] payload = new byte[2048];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) i;
            }
            for (int round = 0; round < 2; round++) {
                ByteBuffer frame = ByteBuffer.wrap(RawFrames.encode(true, 0, RawFrames.BINARY, payload, new byte[4]));
                while (frame.hasRemaining()) {
                    peer.write(frame);
                }
                Frame f = ws.readFrame();
                Object received = field(ws, "received");
                assertSame(received, f);
                ws.writeFrame(new Frame(true, OpCode.BINARY, null, f.payload()));
                Object gather = field(ws, "gather");
                assertNotNull(gather);
                ByteBuffer echo = ByteBuffer.allocate(4 + payload.length);
                while (echo.hasRemaining()) {
                    peer.read(echo);
                }
                echo.flip();
                assertEquals((byte) 0x82, echo.get());
                assertEquals(126, echo.get());
                assertEquals(payload.length, echo.getShort() & 0xffff);
                byte[] got = new byte[payload.length];
                echo.get(got);
                assertEquals(ByteBuffer.wrap(payload), ByteBuffer.wrap(got));
                if (round == 1) {
                    assertSame(gather, field(ws, "gather"));
                    assertSame(received, field(ws, "received"));
                }
            }
        }
    }

    @Test
    void everyThreadGetsTheSameHalves() throws Exception {
        for (int round = 0; round < 20; round++) {
            SocketChannel[] pair = RawPeer.socketPair();
            try (SocketChannel peer = pair[0]; SocketChannel mine = pair[1]) {
                WebSocket ws = WebSocket.afterHandshake(mine, Role.SERVER);
                Set<Object> readHalves = ConcurrentHashMap.newKeySet();
                Set<Object> writeHalves = ConcurrentHashMap.newKeySet();
                CountDownLatch start = new CountDownLatch(1);
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    threads.add(Thread.ofPlatform().start(() -> {
                        try {
                            start.await();
                        } catch (InterruptedException e) {
                            return;
                        }
                        readHalves.add(ws.readHalf());
                        writeHalves.add(ws.writeHalf());
                        try {
                            ws.writeHalf().flush(); // takes and releases the write lock
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }));
                }
                start.countDown();
                for (Thread t : threads) {
                    t.join();
                }
                assertEquals(1, readHalves.size());
                assertEquals(1, writeHalves.size());
                assertSame(ws, ws.readHalf().webSocket());
                assertSame(ws, ws.writeHalf().webSocket());
            }
        }
    }
}
