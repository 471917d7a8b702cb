package io.fastwebsockets.internal.deflate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.testkit.PythonZlib;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A sender never refers back further than the agreed window (RFC 7692 §7.1.2): what {@link MessageDeflater} makes
 * for window bits w, messages one after another with context takeover, is read by CPython's zlib with a window of
 * exactly w bits, which fails on any reference further back. The messages repeat data at distances of 300 bytes to
 * 20,000 bytes, within and across messages, and the same messages compressed with a 15-bit window are shown to fail
 * that reader (so the check has teeth). Both with native zlib (real LZ77 within the window) and with the floor of
 * the JDK's classes only (Huffman-only below 15).
 */
class WindowLimitTest {
    private static List<byte[]> messages() {
        Random r = new Random(7);
        byte[] a = new byte[300];
        r.nextBytes(a);
        byte[] b = new byte[3000];
        r.nextBytes(b);
        byte[] c = new byte[20_000];
        r.nextBytes(c);
        StringBuilder json = new StringBuilder();
        for (int i = 0; json.length() < 8192; i++) {
            json.append("{\"id\":").append(i).append(",\"user\":\"user").append(r.nextInt(50))
                    .append("\",\"text\":\"hello from the window test\",\"ok\":true},");
        }
        return List.of(concat(a, a, a), b, b, concat(c, c), json.toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    private static byte[] array(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    /** Each message's wire payload, compressed one after another by one deflater (context takeover). */
    private static List<byte[]> compress(MessageDeflater d, List<byte[]> messages) {
        List<byte[]> wire = new ArrayList<>();
        for (byte[] m : messages) {
            // Two frames per message, as a fragmented send makes them.
            int half = m.length / 2;
            byte[] first = array(d.deflate(ByteBuffer.wrap(m, 0, half), false));
            byte[] second = array(d.deflate(ByteBuffer.wrap(m, half, m.length - half), true));
            wire.add(concat(first, second));
        }
        return wire;
    }

    // What a permessage-deflate receiver inflates: each message's payload followed by 00 00 FF FF.
    private static byte[] stream(List<byte[]> wire) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] w : wire) {
            o.writeBytes(w);
            o.writeBytes(new byte[] {0, 0, (byte) 0xFF, (byte) 0xFF});
        }
        return o.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 9, 10, 11, 12, 13, 14, 15})
    void nativeZlibNeverRefersBackFurtherThanTheWindow(int bits) throws Exception {
        assertTrue(Zlib.nativeAvailable(), "these tests run on Java 22+ with native access enabled (surefire's"
                + " argLine); got " + Zlib.describe());
        checkWindow(bits, true, 4);
        checkWindow(bits, true, 1);
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 9, 10, 11, 12, 13, 14, 15})
    void theJdkFloorNeverRefersBackFurtherThanTheWindow(int bits) throws Exception {
        checkWindow(bits, false, 8);
    }

    private static void checkWindow(int bits, boolean allowNative, int memLevel) throws Exception {
        List<byte[]> messages = messages();
        byte[] plain = concat(messages.toArray(byte[][]::new));
        MessageDeflater d = new MessageDeflater(6, bits, memLevel, false, allowNative);
        List<byte[]> wire = compress(d, messages);
        d.release();
        byte[] stream = stream(wire);
        assertArrayEquals(plain, PythonZlib.inflate(bits, stream),
                "zlib with a " + bits + "-bit window reads what we sent (native " + allowNative + ")");

        // Our own reader at that window: the native one is as strict as Python's; the JDK's reads any window.
        MessageInflater inf = new MessageInflater(false, bits, allowNative);
        for (int i = 0; i < wire.size(); i++) {
            assertArrayEquals(messages.get(i), array(inf.inflate(ByteBuffer.wrap(wire.get(i)), true, 1 << 20)));
        }
        inf.release();

        // The JSON message compresses for real: LZ77 within the window with native zlib (from 9 bits), Huffman
        // coding at least on the floor.
        byte[] json = messages.get(messages.size() - 1);
        int compressed = wire.get(wire.size() - 1).length;
        boolean lz77 = bits == 15 || allowNative && bits >= 9;
        assertTrue(compressed < json.length * (lz77 ? 0.35 : 0.8),
                bits + " bits, native " + allowNative + ": " + json.length + " -> " + compressed);

        if (bits < 15) {
            // The check can fail: a 15-bit compressor's output of the same messages refers back too far.
            MessageDeflater wide = new MessageDeflater(6, 15, 8, false, false);
            byte[] wideStream = stream(compress(wide, messages));
            wide.release();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> PythonZlib.inflate(bits, wideStream));
            assertTrue(e.getMessage().contains("too far back"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 12})
    void aNativeInflaterAtTheAgreedWindowFailsAPeerThatRefersFurtherBackWith1007(int bits) {
        assertTrue(Zlib.nativeAvailable(), Zlib.describe());
        MessageDeflater wide = new MessageDeflater(6, 15, 8, false, false);
        List<byte[]> wire = compress(wide, messages());
        wide.release();
        MessageInflater inf = new MessageInflater(false, bits, true);
        WebSocketException e = assertThrows(WebSocketException.class, () -> {
            for (byte[] w : wire) {
                inf.inflate(ByteBuffer.wrap(w), true, 1 << 20);
            }
        });
        assertEquals(CloseCode.INVALID_PAYLOAD, e.closeCode());
    }
}
