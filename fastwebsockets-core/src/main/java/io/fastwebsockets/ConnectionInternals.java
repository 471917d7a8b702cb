package io.fastwebsockets;

import io.fastwebsockets.internal.ConnectionAccess;
import io.fastwebsockets.internal.ConnectionObserver;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * What the embedded server, the handshakes and the timers of this module do to a {@link WebSocket} beyond its public
 * API, reached through {@link ConnectionAccess} (registered by {@code WebSocket}'s static initialiser).
 */
final class ConnectionInternals extends ConnectionAccess.Ops {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    @Override
    public long lastReadNanos(WebSocket ws) {
        return ws.reader().lastReadNanos();
    }

    @Override
    public void ping(WebSocket ws) throws IOException {
        ws.writer().sendControl(OpCode.PING, EMPTY.duplicate());
    }

    @Override
    public void abandon(WebSocket ws, int code, String reason, String cause) {
        ws.closing.abandon(code, reason, cause);
    }

    @Override
    public void closeTransport(WebSocket ws, String cause) {
        ws.closing.closeTransport(cause);
    }

    @Override
    public void observe(WebSocket ws, ConnectionObserver observer) {
        ws.closing.observer = observer;
    }

    @Override
    public boolean expireOverdueWrite(WebSocket ws, long nowNanos) {
        if (!(ws.closing.transport() instanceof DeadlineTransport t) || !t.writeOverdue(nowNanos)) {
            return false;
        }
        ws.closing.noteCause("write timeout: a write blocked longer than " + t.writeTimeout()
                + " (the peer is not reading)");
        t.expireWrite(); // the write fails with a SocketTimeoutException
        ws.closing.closeTransport();
        return true;
    }

    @Override
    public void sweptWriteTimeout(WebSocket ws, Duration timeout) {
        ((DeadlineTransport) ws.closing.transport()).setSweptWriteTimeout(timeout);
    }

    @Override
    public WebSocket overStreams(InputStream in, OutputStream out, Closeable underlying, Role role,
            ByteBuffer alreadyRead) {
        return WebSocket.over(new StreamTransport(in, out, underlying), role, alreadyRead);
    }

    @Override
    public boolean idleUntilReadable(WebSocket ws, Runnable task) {
        return ws.reader().idleUntilReadable(task);
    }

    @Override
    public Frame pollMessage(FragmentCollector messages) throws IOException {
        return messages.pollFrame();
    }

    @Override
    public boolean collecting(FragmentCollector messages) {
        return messages.collecting();
    }

    @Override
    public boolean whenReadableOnLoop(WebSocket ws, Runnable task) {
        if (!(ws.closing.transport() instanceof LoopTransport t) || t.isClosed()) {
            return false;
        }
        // Another thread reading holds the lock (a close() waiting for the peer's Close): the socket's readiness is
        // its to take; this connection's turn comes again when the transport closes.
        return ws.reader().readLockHeld() ? t.whenClosedOnLoop(task) : t.whenReadableOnLoop(task);
    }

    @Override
    public boolean runOnLoop(WebSocket ws, Runnable task) {
        return ws.closing.transport() instanceof LoopTransport t && t.loop().execute(task);
    }

    @Override
    public int offerFramed(WebSocket ws, ByteBuffer framed) {
        return ws.writer().offerShared(framed, OutboundQueue.payloadRemaining(framed, 0));
    }

    @Override
    public int offerMessage(WebSocket ws, OpCode opcode, ByteBuffer payload) {
        return ws.writer().offerShared(new Frame(true, opcode, null, payload), payload.remaining());
    }

    @Override
    public void awaitHeadBytes(EventLoop loop, java.nio.channels.SocketChannel channel, long deadlineNanos)
            throws IOException {
        loop.awaitHeadBytes(channel, deadlineNanos);
    }

    @Override
    public void endHeadWait(EventLoop loop, java.nio.channels.SocketChannel channel) {
        loop.endHeadWait(channel);
    }

    @Override
    public void closeWakingHeadWait(java.nio.channels.SocketChannel channel, EventLoop... loops) {
        EventLoop.closeWakingHeadWait(channel, loops);
    }

    @Override
    public WebSocket overNative(io.fastwebsockets.internal.server.NativeConnection socket, ByteBuffer alreadyRead,
            boolean drained) {
        return WebSocket.over(new NativeTransport(socket, drained), Role.SERVER, alreadyRead);
    }
}
