package io.fastwebsockets.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.internal.GrownBufferPool;
import io.fastwebsockets.internal.deflate.MessageDeflater;
import io.fastwebsockets.internal.deflate.MessageInflater;
import io.fastwebsockets.internal.deflate.Zlib;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link MessageDeflater} then {@link MessageInflater}, one pair for several messages in a row (as on one
 * connection): each message is any bytes, cut into any fragments (empty ones too), compressed fragment by fragment
 * at a level and with or without context takeover taken from the input, given as heap or direct buffers at an
 * offset; the compressed frames are inflated as they are or re-cut at other places, with the limit set to exactly
 * the size of the message. The window (8 to 15 bits) and memory level are taken from the input too, with native
 * zlib or the JDK's classes (the inflater then has the same window: native zlib fails on a reference further
 * back). Every message comes back byte for byte; the input buffers are left untouched; the last compressed frame
 * of a message is never empty; and the pair holds zlib state between messages only with context takeover (the
 * deflater only when its coding refers back: not Huffman-only).
 */
class DeflateRoundTripFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void roundTrip(FuzzedDataProvider in) throws WebSocketException {
        // Large outputs come from a process-wide pool of grown buffers: start every input with it empty, so that a
        // finding does not depend on what earlier inputs left there and replays from its input alone.
        GrownBufferPool.takeAll();
        int level = in.consumeInt(0, 9);
        boolean deflaterNoTakeover = in.consumeBoolean();
        // An inflater may drop its context only if the deflater does; it may also keep it when not needed.
        boolean inflaterNoTakeover = deflaterNoTakeover && in.consumeBoolean();
        int windowBits = in.consumeInt(8, 15);
        int memLevel = in.consumeInt(1, 9);
        boolean allowNative = in.consumeBoolean();
        MessageDeflater deflater = new MessageDeflater(level, windowBits, memLevel, deflaterNoTakeover, allowNative);
        MessageInflater inflater = new MessageInflater(inflaterNoTakeover, windowBits, allowNative);
        boolean backReferences = windowBits == 15 || windowBits >= 9 && allowNative && Zlib.nativeAvailable();
        int messages = in.consumeInt(1, 4);
        try {
            for (int m = 0; m < messages && in.remainingBytes() > 0; m++) {
                oneMessage(in, deflater, inflater, m);
                assertEquals(!deflaterNoTakeover && backReferences, deflater.holdsDeflater(),
                        "deflater held between messages");
                assertEquals(!inflaterNoTakeover, inflater.holdsInflater(), "inflater held between messages");
            }
        } finally {
            deflater.release();
            inflater.release();
        }
        assertFalse(deflater.holdsDeflater());
        assertFalse(inflater.holdsInflater());
    }

    private static void oneMessage(FuzzedDataProvider in, MessageDeflater deflater, MessageInflater inflater, int m)
            throws WebSocketException {
        boolean repetitive = in.consumeBoolean();
        byte[] payload;
        if (repetitive) { // compressible: a short pattern repeated
            byte[] unit = in.consumeBytes(in.consumeInt(1, 16));
            int total = in.consumeInt(0, 64 * 1024);
            payload = new byte[unit.length == 0 ? 0 : total];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = unit[i % unit.length];
            }
        } else {
            payload = in.consumeBytes(in.consumeInt(0, 4096));
        }
        int fragments = in.consumeInt(1, 8);
        boolean direct = in.consumeBoolean();
        List<byte[]> compressed = new ArrayList<>();
        int pos = 0;
        for (int f = 0; f < fragments; f++) {
            boolean fin = f == fragments - 1;
            int n = fin ? payload.length - pos : in.consumeInt(0, payload.length - pos);
            int offset = in.consumeInt(0, 3);
            ByteBuffer buf = direct ? ByteBuffer.allocateDirect(n + offset + 2) : ByteBuffer.allocate(n + offset + 2);
            buf.position(offset);
            buf.put(payload, pos, n);
            buf.flip().position(offset);
            pos += n;
            ByteBuffer out = deflater.deflate(buf, fin);
            assertEquals(offset, buf.position(), "the payload's position is left alone");
            assertEquals(offset + n, buf.limit(), "the payload's limit is left alone");
            byte[] c = new byte[out.remaining()];
            out.get(c);
            deflater.trim();
            if (fin) {
                assertTrue(c.length > 0, "the last frame of a compressed message is never empty");
            }
            compressed.add(c);
        }
        if (in.consumeBoolean()) { // re-cut the compressed message at other places
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            compressed.forEach(all::writeBytes);
            byte[] a = all.toByteArray();
            List<byte[]> recut = new ArrayList<>();
            int p = 0;
            int pieces = in.consumeInt(1, 8);
            for (int i = 0; i < pieces; i++) {
                int n = i == pieces - 1 ? a.length - p : in.consumeInt(0, a.length - p);
                byte[] piece = new byte[n];
                System.arraycopy(a, p, piece, 0, n);
                p += n;
                recut.add(piece);
            }
            compressed = recut;
        }
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        for (int i = 0; i < compressed.size(); i++) {
            boolean fin = i == compressed.size() - 1;
            ByteBuffer out = inflater.inflate(ByteBuffer.wrap(compressed.get(i)), fin, payload.length - back.size());
            byte[] b = new byte[out.remaining()];
            out.get(b);
            back.writeBytes(b);
            inflater.trim();
        }
        assertArrayEquals(payload, back.toByteArray(), "message " + m + " (" + payload.length + " bytes) came back");
    }
}
