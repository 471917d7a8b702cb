package io.fastwebsockets.internal.server;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * An accepted TCP socket of the native transport ({@link NativeSockets}: the C library's calls and {@code epoll}
 * through the FFM API, Linux, Java 22+), as the handshake and the core's transport see it. The implementation
 * ({@code internal.nativeio.NativeSocket}) is compiled for Java 22; this class is what Java 21 code calls.
 *
 * <p>The socket is non-blocking and registered with the process's poller, edge-triggered: a read or write that finds
 * nothing to do waits for the poller's report ({@link #awaitReadable}, {@link #awaitWritable}). Threads: one reader and
 * one writer at a time, possibly at once; {@link #close()} from any thread, which wakes both.
 */
public abstract class NativeConnection implements Closeable {
    /** For the implementation only. */
    protected NativeConnection() {
    }

    /**
     * Reads what the socket holds now, without waiting. Clears the poller's report of readable bytes first: what it
     * reported, this read sees.
     *
     * @param dst where to put the bytes (heap or direct)
     * @return bytes read, 0 if none were there (or {@code dst} has no room), -1 at the end of the stream
     * @throws IOException if the read failed or the socket is closed
     */
    public abstract int readNow(ByteBuffer dst) throws IOException;

    /**
     * Waits until the poller reports bytes (or the end of the stream) since the last {@link #readNow}, the socket is
     * closed, or the deadline passes.
     *
     * @param deadline a {@link System#nanoTime()} value, or 0 for none
     * @return false if the deadline passed first
     * @throws IOException if the socket is closed (also meanwhile), or the thread was interrupted (the socket is
     *     closed then: {@link java.nio.channels.ClosedByInterruptException})
     */
    public abstract boolean awaitReadable(long deadline) throws IOException;

    /**
     * One step of a wait for bytes with no deadline, whose park the caller makes itself: an idle connection's reader
     * then parks in its transport's own frame, with no call of this socket's under it (a parked virtual thread keeps
     * each frame it parked under). Registers the calling thread as the one the poller's next report unparks, unless a
     * report came since the last {@link #readNow} (taken now: the wait is over).
     *
     * <pre>{@code while (socket.parkForRead()) LockSupport.park(blocker); }</pre>
     *
     * @return true: park, then call again (a report, a close or a spurious wake-up ends the park); false: bytes (or
     *     the end of the stream) were reported
     * @throws IOException if the socket is closed (also while parked), or the thread was interrupted (the socket is
     *     closed then: {@link java.nio.channels.ClosedByInterruptException})
     */
    public abstract boolean parkForRead() throws IOException;

    /**
     * Writes what the socket takes now, without waiting: one gathering write ({@code writev}) when the buffers are
     * all direct.
     *
     * @param srcs the buffers; positions advance by what was written
     * @param offset the first
     * @param length how many
     * @return bytes written (possibly 0)
     * @throws IOException if the write failed or the socket is closed
     */
    public abstract long writeNow(ByteBuffer[] srcs, int offset, int length) throws IOException;

    /**
     * {@link #writeNow(ByteBuffer[], int, int)} for one buffer.
     *
     * @param src the buffer
     * @return bytes written (possibly 0)
     * @throws IOException if the write failed or the socket is closed
     */
    public abstract int writeNow(ByteBuffer src) throws IOException;

    /**
     * Waits until the socket has room again, after a {@link #writeNow} that wrote less than asked.
     *
     * @throws IOException if the socket is closed (also meanwhile), or the thread was interrupted
     */
    public abstract void awaitWritable() throws IOException;

    /**
     * Runs {@code task} on a new virtual thread, once, when the poller next reports the socket readable, or when it is
     * closed: a connection that waits without a thread.
     *
     * @param task what to run
     * @return false if the socket is closed (the task will not run)
     */
    public abstract boolean whenReadable(Runnable task);

    /**
     * Signals the end of output to the peer (TCP half-close).
     *
     * @throws IOException if it failed or the socket is closed
     */
    public abstract void shutdownOutput() throws IOException;

    /**
     * @return the peer's address: the one {@link #keepRemoteAddress()} kept, or else asked of the kernel (a connection
     *     keeps no address objects by default)
     * @throws IOException if the socket is closed (and kept none) or not connected
     */
    public abstract InetSocketAddress remoteAddress() throws IOException;

    /**
     * Asks the kernel for the peer's address now and keeps it, so that {@link #remoteAddress()} answers after the
     * close too (for events recorded when a connection ends). Does nothing if the socket is closed already.
     */
    public abstract void keepRemoteAddress();

    /**
     * Sets the socket's send buffer size (a hint).
     *
     * @param bytes the size
     */
    public abstract void setSendBuffer(int bytes);

    /** @return whether {@link #close()} has been called */
    public abstract boolean isClosed();

    /**
     * Closes the socket: shuts it down at once (which ends a read or write under way and wakes the waits), and releases
     * the descriptor once no call uses it. Idempotent, from any thread; never throws.
     */
    @Override
    public abstract void close();
}
