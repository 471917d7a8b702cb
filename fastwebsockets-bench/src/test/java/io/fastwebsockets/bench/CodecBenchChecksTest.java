package io.fastwebsockets.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The codec benchmarks measure what they say: same bytes out of both encoders, payload bytes checked on decode. */
class CodecBenchChecksTest {
    @ParameterizedTest
    @CsvSource({"20,TEXT", "20,BINARY", "1024,TEXT", "1024,BINARY", "16384,TEXT", "16384,BINARY"})
    void decodeBenchChecksEveryPayloadByteOnBothSides(int size, String kind) throws Exception {
        DecodeBench b = new DecodeBench();
        b.size = size;
        b.kind = kind;
        b.setup(); // verifies
        b.payload[size / 2] ^= 1; // one byte differs from what the frames carry
        assertThrows(AssertionError.class, b::verify);
        b.tearDown();
    }

    @ParameterizedTest
    @ValueSource(ints = {20, 1024, 16384})
    void theNettyRowOnItsReusedFrameEncodesTheSameFrameAsOursEveryTime(int size) throws Exception {
        EncodeBench b = new EncodeBench();
        b.size = size;
        b.setup();
        int n = b.ours();
        byte[] ours = new byte[n];
        b.dst().get(0, ours);
        for (int i = 0; i < 3; i++) { // the frame made once is encoded whole again and again
            assertArrayEquals(ours, b.nettyBytes(), "netty's output, round " + i);
        }
        b.tearDown();
    }
}
