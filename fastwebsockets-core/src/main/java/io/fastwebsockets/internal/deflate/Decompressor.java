package io.fastwebsockets.internal.deflate;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;

/**
 * One raw DEFLATE decompressor: the JDK's {@link java.util.zip.Inflater} (any window) or zlib's inflate through the
 * Foreign Function &amp; Memory API with a window of the agreed size (see {@link Zlib}). The calls mirror the
 * {@code Inflater} methods of the same names. Not thread-safe.
 */
interface Decompressor {
    /**
     * @param in the compressed bytes; its position moves as they are taken
     */
    void setInput(ByteBuffer in);

    /**
     * @param out where inflated bytes go
     * @return how many were written
     * @throws DataFormatException if the data is not valid DEFLATE (or refers further back than the window)
     */
    int inflate(ByteBuffer out) throws DataFormatException;

    /** @return whether a final block has ended the stream */
    boolean finished();

    /** @return whether all input has been taken */
    boolean needsInput();

    /** @return whether the stream asks for a preset dictionary (never valid in permessage-deflate) */
    boolean needsDictionary();

    /** @return how many input bytes have not been taken */
    int getRemaining();

    /** Starts a new stream (the window is forgotten). */
    void reset();

    /** Frees the native memory. Idempotent. */
    void end();
}
