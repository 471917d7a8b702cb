package io.fastwebsockets.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The JFR events' address of a connection does not leave a socket adaptor on an open channel. */
class RemoteAddressTest {
    // A channel that knows its peer and counts the adaptors asked of it; closed, it refuses getRemoteAddress as the
    // JDK's does.
    private static final class Channel extends SocketChannel {
        final SocketAddress peer = new InetSocketAddress("127.0.0.1", 40_001);
        boolean closed;
        int adaptors;

        Channel() {
            super(SelectorProvider.provider());
        }

        @Override
        public Socket socket() {
            adaptors++;
            return new Socket(); // unconnected: no address
        }

        @Override
        public SocketAddress getRemoteAddress() throws IOException {
            if (closed) {
                throw new ClosedChannelException();
            }
            return peer;
        }

        @Override
        public SocketChannel bind(SocketAddress local) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> SocketChannel setOption(SocketOption<T> name, T value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> T getOption(SocketOption<T> name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Set<SocketOption<?>> supportedOptions() {
            return Set.of();
        }

        @Override
        public SocketChannel shutdownInput() {
            throw new UnsupportedOperationException();
        }

        @Override
        public SocketChannel shutdownOutput() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isConnected() {
            return !closed;
        }

        @Override
        public boolean isConnectionPending() {
            return false;
        }

        @Override
        public boolean connect(SocketAddress remote) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean finishConnect() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(ByteBuffer dst) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SocketAddress getLocalAddress() {
            return null;
        }

        @Override
        protected void implCloseSelectableChannel() {
            closed = true;
        }

        @Override
        protected void implConfigureBlocking(boolean block) {
        }
    }

    @Test
    void anOpenChannelIsAskedForItsAddressWithoutMakingItsSocketAdaptor() {
        Channel ch = new Channel();
        assertEquals("/127.0.0.1:40001", WebSocketServer.remoteAddressOf(ch));
        assertEquals(0, ch.adaptors, "socket() adaptors made");
    }

    @Test
    void aClosedChannelFallsBackToItsAdaptor() throws IOException {
        Channel ch = new Channel();
        ch.close();
        assertEquals("null", WebSocketServer.remoteAddressOf(ch)); // this fake's adaptor knows no address
        assertEquals(1, ch.adaptors);
    }
}
