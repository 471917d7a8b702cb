package io.fastwebsockets.internal.deflate;

import java.nio.ByteBuffer;

/**
 * One raw DEFLATE compressor (no zlib header): the JDK's {@link java.util.zip.Deflater} or zlib called through the
 * Foreign Function &amp; Memory API (see {@link Zlib}). Not thread-safe.
 */
interface Compressor {
    /**
     * Compresses all of {@code in} and ends with a sync flush (RFC 7692 §7.2.1), writing into {@code out}. Call again
     * with the same {@code in} and a larger {@code out} while it returns {@code false}.
     *
     * @param in the bytes to compress; its position moves past what was taken
     * @param out where the compressed bytes go; its position moves past what was written
     * @return {@code true} once all input was taken and the flush is complete, {@code false} if {@code out} filled
     */
    boolean syncFlush(ByteBuffer in, ByteBuffer out);

    /** Forgets the window (the next message refers to nothing before it). */
    void reset();

    /** Frees the native memory. The instance is unusable afterwards. Idempotent. */
    void end();
}
