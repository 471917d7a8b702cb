package io.fastwebsockets;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A transport whose "socket" takes exactly as many bytes as the test allows ({@link #allow}): a peer that stops
 * reading, made deterministic. Every byte written is kept ({@link #written()}); each write call is recorded with the
 * number of buffers it gathered ({@link #writeCalls()}). Reads block until the transport is closed. With
 * {@code nonBlocking} it offers {@link #tryWrite}, like a socket watched by an event loop.
 */
final class GatedTransport extends DeadlineTransport {
    private final boolean nonBlocking;
    private final boolean direct;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<Integer> writeCalls = new ArrayList<>();
    private long credit;
    private int waiting; // threads waiting for credit (a blocking write, or a wait for room)

    GatedTransport(boolean nonBlocking) {
        this(nonBlocking, false);
    }

    /** @param direct whether it asks for direct buffers, as a socket does (the write buffer then comes from the pool) */
    GatedTransport(boolean nonBlocking, boolean direct) {
        this.nonBlocking = nonBlocking;
        this.direct = direct;
    }

    /** Lets the socket take this many more bytes. */
    void allow(long bytes) {
        lock.lock();
        try {
            credit += bytes;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** {@return how many threads wait for the socket to take bytes now (in a blocking write or a wait for room)} */
    int waiting() {
        lock.lock();
        try {
            return waiting;
        } finally {
            lock.unlock();
        }
    }

    byte[] written() {
        lock.lock();
        try {
            return out.toByteArray();
        } finally {
            lock.unlock();
        }
    }

    /** The buffers gathered by each write call that wrote something, in order. */
    List<Integer> writeCalls() {
        lock.lock();
        try {
            return new ArrayList<>(writeCalls);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean prefersDirectBuffers() {
        return direct;
    }

    @Override
    public boolean writesWithoutBlocking() {
        return nonBlocking;
    }

    @Override
    public long tryWrite(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (!nonBlocking) {
            throw new UnsupportedOperationException();
        }
        lock.lock();
        try {
            if (closed) {
                throw new ClosedChannelException();
            }
            return take(srcs, offset, length);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int tryWrite(ByteBuffer src) throws IOException {
        return (int) tryWrite(new ByteBuffer[] {src}, 0, 1);
    }

    // Takes what the credit allows; the lock held.
    private long take(ByteBuffer[] srcs, int offset, int length) {
        long n = 0;
        for (int i = offset; i < offset + length && credit > 0; i++) {
            ByteBuffer b = srcs[i];
            int k = (int) Math.min(b.remaining(), credit);
            byte[] bytes = new byte[k];
            b.get(bytes);
            out.writeBytes(bytes);
            credit -= k;
            n += k;
        }
        if (n > 0) {
            writeCalls.add(length);
        }
        return n;
    }

    @Override
    void writeBlocking(ByteBuffer src) throws IOException {
        writeBlocking(new ByteBuffer[] {src});
    }

    @Override
    void writeBlocking(ByteBuffer[] srcs) throws IOException {
        lock.lock();
        try {
            while (Transport.anyRemaining(srcs)) {
                if (closed) {
                    throw new ClosedChannelException();
                }
                if (credit == 0) {
                    waiting++;
                    try {
                        changed.awaitUninterruptibly();
                    } finally {
                        waiting--;
                    }
                    continue;
                }
                take(srcs, 0, srcs.length);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    void awaitWritableBlocking() throws IOException {
        lock.lock();
        try {
            while (credit == 0 && !closed) {
                waiting++;
                try {
                    changed.awaitUninterruptibly();
                } finally {
                    waiting--;
                }
            }
            if (closed) {
                throw new ClosedChannelException();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        lock.lock();
        try {
            while (!closed) {
                changed.awaitUninterruptibly();
            }
            return -1;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void shutdownOutput() {
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        stopWriteDeadline();
    }
}
