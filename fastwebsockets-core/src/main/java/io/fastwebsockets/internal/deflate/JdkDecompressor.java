package io.fastwebsockets.internal.deflate;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/** The JDK's {@link Inflater}: reads any window (allocating zlib's 32 KiB one on first use). */
final class JdkDecompressor implements Decompressor {
    private final Inflater inflater = new Inflater(true);

    @Override
    public void setInput(ByteBuffer in) {
        inflater.setInput(in);
    }

    @Override
    public int inflate(ByteBuffer out) throws DataFormatException {
        return inflater.inflate(out);
    }

    @Override
    public boolean finished() {
        return inflater.finished();
    }

    @Override
    public boolean needsInput() {
        return inflater.needsInput();
    }

    @Override
    public boolean needsDictionary() {
        return inflater.needsDictionary();
    }

    @Override
    public int getRemaining() {
        return inflater.getRemaining();
    }

    @Override
    public void reset() {
        inflater.reset();
    }

    @Override
    public void end() {
        inflater.end();
    }
}
