package io.fastwebsockets.internal.deflate;

import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * The JDK's {@link Deflater}: always a 15-bit window and memory level 8 (about 260 KiB of native memory). For a
 * smaller agreed window it runs Huffman-only (literals only, no LZ77 reference at all, so no reference can reach
 * further back than any window): real entropy coding where the JDK cannot limit its window.
 */
final class JdkCompressor implements Compressor {
    private static final byte[] EMPTY = new byte[0];
    private final Deflater deflater;

    JdkCompressor(int level, boolean huffmanOnly) {
        deflater = new Deflater(level, true);
        if (huffmanOnly) {
            deflater.setStrategy(Deflater.HUFFMAN_ONLY);
            // The JDK applies a new strategy in the next deflate call and returns from it with the input not all
            // taken; apply it now, before any input (zlib then changes it without flushing anything).
            deflater.deflate(new byte[16], 0, 16, Deflater.NO_FLUSH);
        }
    }

    @Override
    public boolean syncFlush(ByteBuffer in, ByteBuffer out) {
        deflater.setInput(in);
        deflater.deflate(out, Deflater.SYNC_FLUSH);
        if (out.hasRemaining()) {
            deflater.setInput(EMPTY); // do not keep a reference to the caller's buffer
            return true; // all input taken and flushed: a sync flush that did not fill the buffer is complete
        }
        return false;
    }

    @Override
    public void reset() {
        deflater.reset();
    }

    @Override
    public void end() {
        deflater.end();
    }
}
