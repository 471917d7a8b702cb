package io.fastwebsockets;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** A {@link Transport} over a blocking {@link SocketChannel}: direct buffers, gathering writes. */
final class ChannelTransport extends DeadlineTransport {
    private final SocketChannel channel;

    ChannelTransport(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(true);
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true); // frames are written whole; no Nagle delay
        } catch (UnsupportedOperationException ignored) {
            // not a TCP channel
        }
    }

    @Override
    public boolean prefersDirectBuffers() {
        return true;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int n;
        do {
            n = channel.read(dst);
        } while (n == 0 && dst.hasRemaining());
        return n;
    }

    @Override
    void writeBlocking(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            channel.write(src);
        }
        checkNotClosedDuringWrite();
    }

    @Override
    void writeBlocking(ByteBuffer[] srcs) throws IOException {
        // Until every buffer is written: the last one may be empty (a zero-length payload) while the header before it
        // is not.
        do {
            channel.write(srcs);
        } while (Transport.anyRemaining(srcs));
        checkNotClosedDuringWrite();
    }

    // A write during which the transport was closed is reported as failed, even if the channel call returned. A
    // precaution: a report of a virtual thread's blocking write returning normally after a close was never
    // reproduced (CloseDuringWriteTest passes without this check).
    private void checkNotClosedDuringWrite() throws IOException {
        if (closed) {
            throw new java.nio.channels.AsynchronousCloseException();
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void close() {
        markClosed();
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing useful to do: the descriptor is released either way
        }
    }
}
