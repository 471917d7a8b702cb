package io.fastwebsockets.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fastwebsockets.internal.codec.Utf8Validator;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * {@link Utf8Validator} against the JDK's own UTF-8 {@code CharsetDecoder} with {@code REPORT}: the same verdict on
 * every input, whole or fed in pieces (array, heap buffer at an offset, direct buffer). Input layout: byte 0 seeds
 * the split points; the rest is the text.
 */
class Utf8ValidatorFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void sameVerdictAsTheJdk(byte[] data) {
        if (data.length < 1) {
            return;
        }
        byte[] text = Arrays.copyOfRange(data, 1, data.length);
        boolean jdk = RefParser.isUtf8(text);
        assertEquals(jdk, Utf8Validator.isValid(text), () -> "whole array " + FrameDecoderFuzzTest.hex(text));
        assertEquals(jdk, Utf8Validator.isValid(ByteBuffer.wrap(text)), "whole buffer");

        Utf8Validator whole = new Utf8Validator();
        int wholeBad = whole.validate(text, 0, text.length);
        assertEquals(jdk, wholeBad < 0 && whole.isComplete());
        // The reference automaton, written from the Unicode table, finds the same first bad byte.
        RefParser.Utf8Prefix ref = new RefParser.Utf8Prefix();
        int refBad = -1;
        for (int i = 0; i < text.length && refBad < 0; i++) {
            if (!ref.feed(text[i] & 0xFF)) {
                refBad = i;
            }
        }
        assertEquals(refBad, wholeBad, "index of the first invalid byte");

        SplittableRandom r = new SplittableRandom(data[0]);
        int maxPiece = 1 + (data[0] & 0x1F);
        Utf8Validator arrays = new Utf8Validator();
        Utf8Validator heap = new Utf8Validator();
        Utf8Validator direct = new Utf8Validator();
        ByteBuffer offsetCopy = ByteBuffer.allocate(text.length + 7).position(7).slice(); // arrayOffset 7
        offsetCopy.put(0, text);
        ByteBuffer directCopy = ByteBuffer.allocateDirect(text.length);
        directCopy.put(0, text);
        int badA = -1;
        int badH = -1;
        int badD = -1;
        for (int from = 0; from < text.length; ) {
            int to = Math.min(text.length, from + 1 + r.nextInt(maxPiece));
            if (badA < 0) {
                badA = arrays.validate(text, from, to);
            }
            if (badH < 0) {
                badH = heap.validate(offsetCopy, from, to);
            }
            if (badD < 0) {
                badD = direct.validate(directCopy, from, to);
            }
            from = to;
        }
        assertEquals(wholeBad, badA, "in pieces, array");
        assertEquals(wholeBad, badH, "in pieces, heap buffer with an array offset");
        assertEquals(wholeBad, badD, "in pieces, direct buffer");
        assertEquals(whole.isComplete(), arrays.isComplete());
        assertEquals(whole.isComplete(), direct.isComplete());
        assertTrue(!jdk || (arrays.isComplete() && !arrays.isFailed()));
    }
}
