package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SplitHalvesTest {
    @Test
    @Timeout(30)
    void writerHalfPushesWhileReaderHalfReadsAndEveryMessageArrivesInOrder() throws Exception {
        List<String> expected = IntStream.range(0, 200).mapToObj(i -> "tick " + i).toList();
        assertEquals(expected, SplitHalves.run(200));
    }
}
