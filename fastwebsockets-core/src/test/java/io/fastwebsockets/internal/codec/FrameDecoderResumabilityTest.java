package io.fastwebsockets.internal.codec;

import static io.fastwebsockets.internal.codec.Wire.F;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.Role;
import io.fastwebsockets.internal.codec.Wire.Feeder;
import io.fastwebsockets.internal.codec.Wire.Feeder.Compaction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Decoding is resumable at any byte boundary: a stream of many frames fed whole, one byte at a time, or in random
 * pieces, with or without moving the unconsumed bytes to the front of the buffer, decodes to the same frames.
 */
class FrameDecoderResumabilityTest {
    private static final int[] SIZES = {0, 1, 125, 126, 127, 65535, 65536};

    /** Text of exactly {@code n} UTF-8 bytes mixing 1- to 4-byte characters (padded with ASCII). */
    static byte[] text(Random rnd, int n) {
        String[] chars = {"a", "Z", " ", "\u00e9", "\u00df", "\u20AC", "\u4E2D", "\uD83D\uDE00", "\uD800\uDF48"};
        StringBuilder sb = new StringBuilder();
        int len = 0;
        while (true) {
            String c = chars[rnd.nextInt(chars.length)];
            int b = c.getBytes(StandardCharsets.UTF_8).length;
            if (len + b > n) {
                break;
            }
            sb.append(c);
            len += b;
        }
        sb.append("x".repeat(n - len));
        byte[] out = sb.toString().getBytes(StandardCharsets.UTF_8);
        assertEquals(n, out.length);
        return out;
    }

    static byte[] binary(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    /** Splits {@code whole} into {@code parts} fragments at random byte positions (possibly inside characters). */
    static List<F> fragments(Random rnd, OpCode op, int rsv, byte[] whole, int parts) {
        int[] cuts = new int[parts + 1];
        cuts[parts] = whole.length;
        for (int i = 1; i < parts; i++) {
            cuts[i] = rnd.nextInt(whole.length + 1);
        }
        Arrays.sort(cuts, 1, parts);
        List<F> out = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            out.add(new F(i == parts - 1, i == 0 ? rsv : 0, i == 0 ? op : OpCode.CONTINUATION,
                    Arrays.copyOfRange(whole, cuts[i], cuts[i + 1])));
        }
        return out;
    }

    /** A stream of many frames: every size in SIZES as text and binary, fragmented messages, pings, a close. */
    static List<F> stream(boolean bigFrames) {
        Random rnd = new Random(2024);
        List<F> frames = new ArrayList<>();
        for (int size : SIZES) {
            if (!bigFrames && size > 200) {
                continue;
            }
            frames.add(new F(true, 0, OpCode.TEXT, text(rnd, size)));
            frames.add(new F(true, size % 2 == 0 ? 4 : 0, OpCode.BINARY, binary(rnd, size)));
            if (size <= 125) {
                frames.add(new F(OpCode.PING, binary(rnd, size)));
                frames.add(new F(OpCode.PONG, binary(rnd, size)));
            }
        }
        // fragmented messages, with control frames inside
        List<F> msg = fragments(rnd, OpCode.TEXT, 2, text(rnd, bigFrames ? 70000 : 700), 5);
        msg.add(2, new F(OpCode.PING, binary(rnd, 125)));
        frames.addAll(msg);
        frames.addAll(fragments(rnd, OpCode.BINARY, 0, binary(rnd, bigFrames ? 66000 : 300), 3));
        frames.addAll(fragments(rnd, OpCode.TEXT, 0, text(rnd, 0), 1));
        frames.add(new F(false, 0, OpCode.TEXT, new byte[0]));
        frames.add(new F(OpCode.PONG, new byte[0]));
        frames.add(new F(true, 0, OpCode.CONTINUATION, "end".getBytes(StandardCharsets.UTF_8)));
        for (int i = 0; i < 40; i++) {
            frames.add(new F(true, 0, OpCode.BINARY, binary(rnd, rnd.nextInt(5))));
        }
        frames.add(new F(OpCode.CLOSE, CloseCode.payload(CloseCode.NORMAL, "bye \u20AC").array()));
        return frames;
    }

    static Stream<Arguments> cases() {
        List<Arguments> l = new ArrayList<>();
        for (Role role : Role.values()) {
            for (boolean unmask : new boolean[] {true, false}) {
                for (boolean direct : new boolean[] {false, true}) {
                    l.add(Arguments.of(role, unmask, direct));
                }
            }
        }
        return l.stream();
    }

    private static FrameDecoder decoder(Role role, boolean unmask) {
        FrameDecoder dec = new FrameDecoder(role);
        dec.setUnmask(unmask);
        dec.setAllowedRsv(7);
        return dec;
    }

    private static int maxFrame(List<F> frames) {
        int max = 0;
        for (F f : frames) {
            max = Math.max(max, f.payload().length + FrameDecoder.MAX_HEADER);
        }
        return max;
    }

    private static List<F> decodeWith(Role role, boolean unmask, boolean direct, byte[] wire, int capacity,
            Compaction compaction, int[] chunks) throws Exception {
        FrameDecoder dec = decoder(role, unmask);
        Feeder feeder = new Feeder(dec, capacity, direct, compaction);
        feeder.feedInChunks(wire, chunks);
        assertEquals(0, feeder.buffer().remaining(), "every byte consumed");
        assertTrue(dec.atFrameBoundary());
        assertFalse(dec.inMessage());
        return feeder.frames();
    }

    private static int[] ones(int n) {
        int[] a = new int[n];
        Arrays.fill(a, 1);
        return a;
    }

    private static int[] randomChunks(Random rnd, int total) {
        List<Integer> l = new ArrayList<>();
        int sum = 0;
        while (sum < total) {
            int kind = rnd.nextInt(4);
            int n = switch (kind) {
                case 0 -> 1 + rnd.nextInt(3);
                case 1 -> 1 + rnd.nextInt(20);
                case 2 -> 1 + rnd.nextInt(300);
                default -> 1 + rnd.nextInt(40000);
            };
            l.add(n);
            sum += n;
        }
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    @ParameterizedTest(name = "{0} unmask={1} direct={2}")
    @MethodSource("cases")
    void streamFedWholeDecodesToTheFramesThatWereEncoded(Role role, boolean unmask, boolean direct)
            throws Exception {
        List<F> frames = stream(true);
        byte[] wire = Wire.encode(role, new Random(7), frames);
        List<F> got = decodeWith(role, unmask, direct, wire, wire.length, Compaction.NEVER,
                new int[] {wire.length});
        assertEquals(frames, got);
    }

    @ParameterizedTest(name = "{0} unmask={1} direct={2}")
    @MethodSource("cases")
    void streamFedOneByteAtATimeDecodesToTheSameFrames(Role role, boolean unmask, boolean direct)
            throws Exception {
        List<F> frames = stream(true);
        byte[] wire = Wire.encode(role, new Random(7), frames);
        // no compaction: the buffer holds the whole stream
        assertEquals(frames, decodeWith(role, unmask, direct, wire, wire.length, Compaction.NEVER,
                ones(wire.length)));
        // a connection-sized buffer, compacted whenever the next byte does not fit
        assertEquals(frames, decodeWith(role, unmask, direct, wire, maxFrame(frames), Compaction.WHEN_FULL,
                ones(wire.length)));
    }

    @ParameterizedTest(name = "{0} unmask={1} direct={2}")
    @MethodSource("cases")
    void smallFrameStreamFedOneByteAtATimeWithCompactionBeforeEveryByteDecodesToTheSameFrames(Role role,
            boolean unmask, boolean direct) throws Exception {
        List<F> frames = stream(false);
        byte[] wire = Wire.encode(role, new Random(8), frames);
        assertEquals(frames, decodeWith(role, unmask, direct, wire, maxFrame(frames) + 1, Compaction.ALWAYS,
                ones(wire.length)));
    }

    @ParameterizedTest(name = "{0} unmask={1} direct={2}")
    @MethodSource("cases")
    void streamFedInRandomPiecesDecodesToTheSameFramesForSeveralSeeds(Role role, boolean unmask, boolean direct)
            throws Exception {
        List<F> frames = stream(true);
        byte[] wire = Wire.encode(role, new Random(9), frames);
        for (long seed = 1; seed <= 6; seed++) {
            Random rnd = new Random(seed);
            int[] chunks = randomChunks(rnd, wire.length);
            assertEquals(frames, decodeWith(role, unmask, direct, wire, wire.length, Compaction.NEVER, chunks),
                    "seed " + seed + ", no compaction");
            assertEquals(frames, decodeWith(role, unmask, direct, wire, maxFrame(frames) + 40000,
                    Compaction.ALWAYS, chunks), "seed " + seed + ", compaction before every piece");
            assertEquals(frames, decodeWith(role, unmask, direct, wire, maxFrame(frames) + 40000,
                    Compaction.WHEN_FULL, chunks), "seed " + seed + ", compaction when full");
        }
    }

    @ParameterizedTest(name = "{0} unmask={1} direct={2}")
    @MethodSource("cases")
    void invalidUtf8DeepInAStreamFailsWith1007AtTheSameByteHoweverItIsFed(Role role, boolean unmask,
            boolean direct) throws Exception {
        List<F> frames = new ArrayList<>(stream(false));
        byte[] bad = text(new Random(3), 400);
        bad[250] = (byte) 0xFF;
        frames.add(frames.size() - 1, new F(true, 0, OpCode.TEXT, bad));
        byte[] wire = Wire.encode(role, new Random(10), frames);
        // the offset just past the bad byte: the failure must happen exactly when it arrives
        int badFrameStart = findFrameStart(wire, frames.size() - 2);
        int header = Wire.maskedFor(role) ? 8 : 4;
        int failAt = badFrameStart + header + 250 + 1;
        for (long seed = 0; seed <= 3; seed++) {
            int[] chunks = seed == 0 ? ones(wire.length) : randomChunks(new Random(seed), wire.length);
            FrameDecoder dec = decoder(role, unmask);
            Feeder feeder = new Feeder(dec, wire.length, direct, Compaction.NEVER);
            int off = 0;
            io.fastwebsockets.WebSocketException failure = null;
            for (int c : chunks) {
                int n = Math.min(c, wire.length - off);
                try {
                    feeder.feed(wire, off, n);
                } catch (io.fastwebsockets.WebSocketException e) {
                    failure = e;
                    off += n;
                    break;
                }
                off += n;
            }
            assertTrue(failure != null, "seed " + seed + ": the bad byte was detected");
            assertEquals(CloseCode.INVALID_PAYLOAD, failure.closeCode());
            assertTrue(off >= failAt, "not before the bad byte arrived");
            assertTrue(seed != 0 || off == failAt, "byte-at-a-time: exactly when the bad byte arrived, got "
                    + off + " expected " + failAt);
            assertEquals(frames.size() - 2, feeder.frames().size(), "every frame before the bad one decoded");
        }
    }

    /** The offset of frame number {@code index} in an encoded stream, walking the headers. */
    private static int findFrameStart(byte[] wire, int index) {
        int p = 0;
        for (int i = 0; i < index; i++) {
            int len7 = wire[p + 1] & 0x7F;
            boolean masked = (wire[p + 1] & 0x80) != 0;
            long len;
            int h;
            if (len7 == 126) {
                len = ((wire[p + 2] & 0xFF) << 8) | (wire[p + 3] & 0xFF);
                h = 4;
            } else if (len7 == 127) {
                len = 0;
                for (int k = 2; k < 10; k++) {
                    len = (len << 8) | (wire[p + k] & 0xFF);
                }
                h = 10;
            } else {
                len = len7;
                h = 2;
            }
            p += h + (masked ? 4 : 0) + (int) len;
        }
        return p;
    }
}
