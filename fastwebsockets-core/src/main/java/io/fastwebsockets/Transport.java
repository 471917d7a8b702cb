package io.fastwebsockets;

import java.io.IOException;
import java.nio.ByteBuffer;

/** The byte pipe under a {@link WebSocket}: blocking reads and writes, and an idempotent close. */
interface Transport {
    /** @return whether direct buffers avoid a copy on this transport */
    boolean prefersDirectBuffers();

    /**
     * Reads at least one byte into {@code dst} (position to limit), blocking until some arrive.
     *
     * @return bytes read, or -1 at end of stream
     */
    int read(ByteBuffer dst) throws IOException;

    /** Writes all of {@code src} (position advances to limit). */
    void write(ByteBuffer src) throws IOException;

    /** Writes all of {@code srcs} in order, as one gathering write where the transport can. */
    void write(ByteBuffer[] srcs) throws IOException;

    /**
     * @return whether {@link #tryWrite} works: the socket can be written without blocking (the non-blocking send
     *     path writes in the sender's thread then, and hands over to a thread of its own only when the socket is
     *     full)
     */
    default boolean writesWithoutBlocking() {
        return false;
    }

    /**
     * Writes what the socket takes now, without blocking: possibly nothing. Only when
     * {@link #writesWithoutBlocking()}.
     *
     * @param srcs the buffers; positions advance by what was written
     * @param offset the first buffer to write
     * @param length how many buffers
     * @return the bytes written
     * @throws IOException if the transport failed or is closed
     */
    default long tryWrite(ByteBuffer[] srcs, int offset, int length) throws IOException {
        throw new UnsupportedOperationException("this transport only writes by blocking");
    }

    /**
     * {@link #tryWrite(ByteBuffer[], int, int)} for one buffer.
     *
     * @param src the buffer; its position advances by what was written
     * @return the bytes written
     * @throws IOException if the transport failed or is closed
     */
    default int tryWrite(ByteBuffer src) throws IOException {
        throw new UnsupportedOperationException("this transport only writes by blocking");
    }

    /**
     * Waits until the socket can take bytes again, after a {@link #tryWrite} that could not write everything. Only
     * when {@link #writesWithoutBlocking()}.
     *
     * @throws IOException if the transport is closed meanwhile, or the write timeout passed
     */
    default void awaitWritable() throws IOException {
        throw new UnsupportedOperationException("this transport only writes by blocking");
    }

    /**
     * @return whether the calling thread is the event loop's own that polls this transport (a listener's call): such a
     *     thread must never wait for another thread's progress, since that progress may wait for the loop. Default:
     *     false (no loop).
     */
    default boolean onLoopThread() {
        return false;
    }

    /**
     * On the loop's own thread ({@link #onLoopThread()}), waiting for the write lock that another thread holds: if
     * that thread waits for the loop to report room in the socket, waits for the room (polling this one socket) and
     * reports it. Default: nothing (no loop).
     */
    default void reportRoomToWaitingWriter() {
    }

    /** @return whether bytes this transport accepted without writing them wait for room (see {@link #awaitWritesOut}) */
    default boolean hasPendingWrites() {
        return false;
    }

    /**
     * Waits until bytes this transport accepted without writing them (an event loop's pending ones, see
     * {@code LoopTransport}) are written, on the loop's thread only; elsewhere nothing. For a close that is about to
     * close the socket.
     *
     * @throws IOException if the transport is closed meanwhile
     */
    default void awaitWritesOut() throws IOException {
    }

    /** Signals end of output to the peer where the transport can (TCP half-close); otherwise just flushes. */
    void shutdownOutput() throws IOException;

    /**
     * The peer's Close frame has arrived (also an invalid one, which fails the connection): the peer sends nothing
     * after it. A transport that cannot half-close uses it to end the connection without waiting for an answer the
     * peer will not send; others ignore it.
     */
    default void closeReceived() {
    }

    /** Pushes buffered bytes, if the transport buffers. */
    void flush() throws IOException;

    /** Closes the transport; safe to call more than once and from any thread; never throws. */
    void close();

    /**
     * Bounds how long one write (or flush) may block; past it the transport is closed and the write fails with a
     * {@link java.net.SocketTimeoutException}.
     *
     * @param timeout the bound, or {@code null} (or zero) for none
     */
    void setWriteTimeout(java.time.Duration timeout);

    /** @return the write timeout, or {@code null} for none */
    java.time.Duration writeTimeout();

    /** @return whether {@link #close()} has been called */
    boolean isClosed();

    /**
     * Whether the next {@link #read} would first wait for the peer (the last read came up short, so the socket was
     * empty): a caller with nothing buffered may then give its read buffer back ({@link #releaseReadBuffer}), wait
     * with {@link #awaitReadable()} and take a buffer only once bytes have arrived. Default: false (a read just
     * blocks).
     *
     * @return whether the caller may wait without a buffer
     */
    default boolean readWillWait() {
        return false;
    }

    /**
     * Waits until the socket is reported readable (or at end of stream, or closed), without reading; the next
     * {@link #read} then reads at once. Only called after {@link #readWillWait()} returned true, and on return
     * {@link #readWillWait()} must be false: the reader then looks for bytes instead of waiting again (a transport
     * that left it true would have its reader wait over and over without reading).
     *
     * @throws IOException if the transport is closed meanwhile
     */
    default void awaitReadable() throws IOException {
    }

    /** {@return whether {@link #readAvailable} reads without waiting (default: no, never call it)} */
    default boolean readsWithoutWaiting() {
        return false;
    }

    /**
     * Reads what the socket holds now, without waiting: possibly nothing. Only called if
     * {@link #readsWithoutWaiting()}; after it returns 0, {@link #readWillWait()} is true.
     *
     * @param dst where to put the bytes
     * @return bytes read, 0 if none were there, or -1 at the end of the stream
     * @throws IOException if the read failed
     */
    default int readAvailable(ByteBuffer dst) throws IOException {
        throw new UnsupportedOperationException("this transport reads by waiting");
    }

    /**
     * Waits for the socket to become readable without a thread: once it is reported readable (or the transport
     * closes), {@code task} runs on a new virtual thread, once. Only called after {@link #readWillWait()} returned
     * true, with nothing buffered. Default: unsupported (the caller reads, blocking its thread).
     *
     * @param task what to run then
     * @return whether the task will run; {@code false}: it will not (unsupported, or the transport is closed)
     */
    default boolean whenReadable(Runnable task) {
        return false;
    }

    /**
     * @param capacity the capacity wanted
     * @return an empty read buffer of that capacity, direct if {@link #prefersDirectBuffers()}, from a pool where the
     *     transport has one
     */
    default ByteBuffer acquireReadBuffer(int capacity) {
        return prefersDirectBuffers() ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    }

    /**
     * Gives a read buffer back to the transport's pool, if it has one; the caller must not touch it again.
     *
     * @param buffer the buffer
     */
    default void releaseReadBuffer(ByteBuffer buffer) {
    }

    /** @return whether any of the buffers has bytes left (a gathering write is done when none has) */
    static boolean anyRemaining(ByteBuffer[] srcs) {
        for (ByteBuffer b : srcs) {
            if (b.hasRemaining()) {
                return true;
            }
        }
        return false;
    }
}
