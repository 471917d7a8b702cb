package io.fastwebsockets.internal.nativeio;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;

/**
 * The one epoll instance of the process's native sockets, and the loop that polls it. A socket is registered once,
 * edge-triggered, for reading (for writing only while a writer waits for room); the loop only records each event in a
 * bit per descriptor and direction, unparks the thread waiting there, if any, and starts the task waiting there, if
 * any. A thread waits only after the socket answered EAGAIN (or a read came up short), and clears the bit before it
 * looks again, so no edge is lost.
 *
 * <p>The loop is a virtual thread, as the core's {@code EventLoop} is: the threads it unparks run on the same
 * carriers, with no context switch while there is work. It never blocks its carrier: it polls with no timeout and,
 * when nothing is ready, asks a platform thread waiting on a second epoll instance (which watches the first) to unpark
 * it at the next event, and parks. (A platform loop blocked in {@code epoll_wait} cost a context switch and a carrier
 * wake-up per message: echo at half the speed, docs/benchmarks.md, "A transport of our own".)
 *
 * <p>Per descriptor: a bit set, the registration count, two waiting threads, a task to start, and 8 bytes of native
 * memory for the error numbers of its reads and writes, in chunks of {@link #CHUNK} descriptors made as descriptors
 * reach them (about 28 bytes a descriptor); nothing per connection object.
 */
final class Poller {
    static final int READ = 1;
    static final int WRITE = 2;
    /**
     * Sticky (never taken): the peer's end of stream, an error, or urgent data was reported. A TCP read then comes
     * up short with bytes (or the end) still there: it stops at the end of stream and at the urgent mark. A short read
     * no longer means an empty socket, and the one edge that reported it has been used: see {@link #suspect}.
     */
    static final int SUSPECT = 4;
    private static final int READ_EVENTS = Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLPRI | Libc.EPOLLET;
    private static final int CHUNK_BITS = 10;
    static final int CHUNK = 1 << CHUNK_BITS;

    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle THREADS = MethodHandles.arrayElementVarHandle(Thread[].class);
    private static final VarHandle RUNNABLES = MethodHandles.arrayElementVarHandle(Runnable[].class);
    private static final ThreadFactory TASK_THREADS = Thread.ofVirtual().name("fastwebsockets-conn").factory();

    /** The descriptors from {@code n * CHUNK} on: never moved once made, so a lookup needs no lock. */
    private static final class Chunk {
        final int[] ready = new int[CHUNK];
        /**
         * How many times each descriptor has been registered: its events carry the count (with the descriptor, in
         * the event's data), so that an event of a closed connection, collected before the close, is dropped rather
         * than taken for one of the next connection given the same number.
         */
        final int[] generations = new int[CHUNK];
        final Thread[] readers = new Thread[CHUNK];
        final Thread[] writers = new Thread[CHUNK];
        /** What to start on a virtual thread when the descriptor is next readable or released. */
        final Runnable[] tasks = new Runnable[CHUNK];
        /** Per descriptor, the error-number state of its reads and of its writes (a reader and a writer overlap). */
        final MemorySegment errnos = Arena.global().allocate(CHUNK * 2L * Libc.STATE_SIZE, 8);
    }

    private static volatile Poller instance;

    private final int epfd;
    private final int waiterEpfd;
    private final MemorySegment waiterRearm;
    private final MemorySegment loopState = Arena.global().allocate(Libc.STATE_SIZE, 8);
    private final Thread loop;
    private volatile Chunk[] chunks = new Chunk[16];

    /** @return the process's poller, which {@link #get()} has started */
    static Poller existing() {
        Poller p = instance;
        if (p == null) {
            throw new IllegalStateException("the native poller is not started");
        }
        return p;
    }

    /** @return the process's poller, started on first use */
    static Poller get() throws IOException {
        Poller p = instance;
        if (p == null) {
            synchronized (Poller.class) {
                p = instance;
                if (p == null) {
                    instance = p = new Poller();
                }
            }
        }
        return p;
    }

    private Poller() throws IOException {
        MemorySegment state = Arena.global().allocate(Libc.STATE_SIZE, 8);
        epfd = Libc.epollCreate(state);
        if (epfd < 0) {
            throw new IOException("epoll_create1: errno " + Libc.errno(state));
        }
        int w = Libc.epollCreate(state);
        waiterRearm = Libc.epollEvent(Arena.global().allocate(Libc.EPOLL_EVENT_SIZE, 8), epfd,
                Libc.EPOLLIN | Libc.EPOLLONESHOT);
        if (w < 0 || Libc.epollCtl(state, w, Libc.EPOLL_CTL_ADD, epfd, waiterRearm) != 0) {
            int e = Libc.errno(state);
            Libc.close(epfd);
            if (w >= 0) {
                Libc.close(w);
            }
            throw new IOException("epoll for the poller's waiter: errno " + e);
        }
        waiterEpfd = w;
        loop = Thread.ofVirtual().name("fastwebsockets-native-poller").unstarted(this::poll);
        Thread.ofPlatform().daemon().name("fastwebsockets-native-poller-waiter").start(this::waitForEvents);
        loop.start();
    }

    // The platform waiter: blocks until the poller's epoll instance has events and unparks the loop; the one-shot
    // registration then stays off until the loop, finding nothing more, turns it on again before it parks.
    private void waitForEvents() {
        MemorySegment state = Arena.global().allocate(Libc.STATE_SIZE, 8);
        MemorySegment event = Arena.global().allocate(Libc.EPOLL_EVENT_SIZE, 8);
        while (true) {
            int n = Libc.epollWait(state, waiterEpfd, event, 1, -1);
            if (n > 0) {
                LockSupport.unpark(loop);
            } else if (n < 0 && Libc.errno(state) != Libc.EINTR) {
                System.getLogger(Poller.class.getName()).log(System.Logger.Level.ERROR,
                        "native poller's waiter: epoll_wait failed, errno " + Libc.errno(state));
                return;
            }
        }
    }

    private Chunk chunk(int fd) {
        return chunks[fd >>> CHUNK_BITS];
    }

    // The chunk of a descriptor about to be registered, made if it is the first of its range.
    private Chunk chunkFor(int fd) {
        int i = fd >>> CHUNK_BITS;
        Chunk[] cs = chunks;
        if (i < cs.length && cs[i] != null) {
            return cs[i];
        }
        synchronized (this) {
            cs = chunks;
            if (i >= cs.length) {
                cs = java.util.Arrays.copyOf(cs, Math.max(i + 1, cs.length * 2));
            } else if (cs[i] != null) {
                return cs[i];
            } else {
                cs = cs.clone();
            }
            Chunk c = new Chunk();
            cs[i] = c;
            chunks = cs;
            return c;
        }
    }

    /**
     * Watches {@code fd}, a non-blocking socket, for reading. Its slots are clear: {@link #forget} cleared them when
     * the number's last connection closed.
     */
    void register(int fd) throws IOException {
        Chunk c = chunkFor(fd);
        int i = fd & (CHUNK - 1);
        int generation = (int) INTS.getAndAdd(c.generations, i, 1) + 1;
        INTS.setVolatile(c.ready, i, 0);
        MemorySegment state = errnoState(fd, READ);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ev = event(a, fd, generation, READ_EVENTS);
            if (Libc.epollCtl(state, epfd, Libc.EPOLL_CTL_ADD, fd, ev) != 0) {
                throw new IOException("epoll_ctl(ADD): errno " + Libc.errno(state));
            }
        }
    }

    private static MemorySegment event(Arena a, int fd, int generation, int events) {
        return Libc.epollEvent(a.allocate(Libc.EPOLL_EVENT_SIZE, 8), ((long) generation << 32) | (fd & 0xffffffffL),
                events);
    }

    /**
     * Asks for {@code fd}'s write events too (a write found the socket full), or no more. Only while a writer waits
     * for room: a socket registered for them all the time would report room after nearly every write (the peer's
     * acknowledgement frees some) and wake the loop for nothing.
     */
    void writeEvents(int fd, boolean on) throws IOException {
        MemorySegment state = errnoState(fd, WRITE);
        Chunk c = chunk(fd);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ev = event(a, fd, (int) INTS.getVolatile(c.generations, fd & (CHUNK - 1)),
                    on ? READ_EVENTS | Libc.EPOLLOUT : READ_EVENTS);
            if (Libc.epollCtl(state, epfd, Libc.EPOLL_CTL_MOD, fd, ev) != 0) {
                throw new IOException("epoll_ctl(MOD): errno " + Libc.errno(state));
            }
        }
    }

    /** @return the state a read ({@code direction} READ) or a write of {@code fd} captures its error number in */
    MemorySegment errnoState(int fd, int direction) {
        return chunk(fd).errnos.asSlice(((fd & (CHUNK - 1)) * 2L + (direction - 1)) * Libc.STATE_SIZE,
                Libc.STATE_SIZE);
    }

    /** @return whether an event for {@code fd} in {@code direction} had come (it is cleared) */
    boolean takeReady(int fd, int direction) {
        return ((int) INTS.getAndBitwiseAnd(chunk(fd).ready, fd & (CHUNK - 1), ~direction) & direction) != 0;
    }

    /** @return whether a short read of {@code fd} may have left bytes or the end of the stream behind */
    boolean suspect(int fd) {
        return ((int) INTS.getVolatile(chunk(fd).ready, fd & (CHUNK - 1)) & SUSPECT) != 0;
    }

    /**
     * Reports {@code fd} readable again, as an event would (no thread is unparked: the caller is the reader): after a
     * short read of a {@link #suspect} socket, so that the next wait returns at once and the next read finds out.
     */
    void markReadable(int fd) {
        INTS.getAndBitwiseOr(chunk(fd).ready, fd & (CHUNK - 1), READ);
    }

    /** @return whether a read event for {@code fd} has come and not been taken */
    boolean isReadable(int fd) {
        return ((int) INTS.getVolatile(chunk(fd).ready, fd & (CHUNK - 1)) & READ) != 0;
    }

    /** Makes {@code t} (or no one, for null) the thread the next read event for {@code fd} unparks. */
    void reader(int fd, Thread t) {
        THREADS.setVolatile(chunk(fd).readers, fd & (CHUNK - 1), t);
    }

    /**
     * Parks until an event for {@code fd} in {@code direction} has come since the last {@link #takeReady} (at once if
     * one has), the socket is released, or the deadline passes.
     *
     * @param deadline a {@code System.nanoTime()} value, or 0 for none
     * @return false if the deadline passed first; true otherwise (the caller then looks whether it was released)
     * @throws IOException (ClosedByInterruptException) if the thread was interrupted: the socket is released
     */
    boolean await(NativeSocket socket, int direction, long deadline) throws IOException {
        int fd = socket.fd;
        Chunk c = chunk(fd);
        int i = fd & (CHUNK - 1);
        Thread[] waiters = direction == READ ? c.readers : c.writers;
        Thread me = Thread.currentThread();
        while (true) {
            if (socket.isReleased() || ((int) INTS.getAndBitwiseAnd(c.ready, i, ~direction) & direction) != 0) {
                return true;
            }
            if (me.isInterrupted()) {
                throw socket.interrupted(); // park would return at once, over and over
            }
            long left = 0;
            if (deadline != 0 && (left = deadline - System.nanoTime()) <= 0) {
                return false;
            }
            THREADS.setVolatile(waiters, i, me);
            // The loop sets the bit, then reads the waiter; so either it sees this thread or this sees the bit. A
            // release marks the socket, then unparks the waiters.
            if (((int) INTS.getVolatile(c.ready, i) & direction) == 0 && !socket.isReleased()) {
                if (deadline == 0) {
                    LockSupport.park(socket);
                } else {
                    LockSupport.parkNanos(socket, left);
                }
            }
            THREADS.setVolatile(waiters, i, null);
        }
    }

    /**
     * Runs {@code task} on a new virtual thread once {@code fd} is next reported readable, or released ({@link #wake}):
     * at once if an event came since the last {@link #takeReady}.
     */
    void whenReadable(int fd, Runnable task) {
        Chunk c = chunk(fd);
        int i = fd & (CHUNK - 1);
        RUNNABLES.setVolatile(c.tasks, i, task);
        // The loop sets the bit, then takes the task; so either it takes this task or this sees the bit.
        if (((int) INTS.getVolatile(c.ready, i) & READ) != 0) {
            startTask(c, i);
        }
    }

    /** Takes back a task {@link #whenReadable} left, unless it was started: whether it was still there. */
    boolean cancelTask(int fd, Runnable task) {
        Chunk c = chunk(fd);
        return RUNNABLES.compareAndSet(c.tasks, fd & (CHUNK - 1), task, null);
    }

    private static void startTask(Chunk c, int i) {
        Runnable task = (Runnable) RUNNABLES.getAndSet(c.tasks, i, (Runnable) null);
        if (task != null) {
            TASK_THREADS.newThread(task).start();
        }
    }

    /** Wakes whoever waits on {@code fd}, and starts its task: the socket was released, which they then see. */
    void wake(int fd) {
        Chunk c = chunk(fd);
        int i = fd & (CHUNK - 1);
        LockSupport.unpark((Thread) THREADS.getVolatile(c.readers, i));
        LockSupport.unpark((Thread) THREADS.getVolatile(c.writers, i));
        startTask(c, i);
    }

    /** Forgets {@code fd} before it is closed: its number may come back with another connection. */
    void forget(int fd) {
        Chunk c = chunk(fd);
        int i = fd & (CHUNK - 1);
        RUNNABLES.setVolatile(c.tasks, i, null);
        THREADS.setVolatile(c.readers, i, null);
        THREADS.setVolatile(c.writers, i, null);
        INTS.setVolatile(c.ready, i, 0);
    }

    // The loop: polls without waiting, yields after waking threads (so that they run before the next poll, which then
    // serves all the sockets that became ready meanwhile) and parks when nothing is ready (see the class comment).
    private void poll() {
        while (true) {
            try {
                pollEvents();
            } catch (Throwable t) { // every native socket of the process depends on this loop: never let it end
                System.getLogger(Poller.class.getName()).log(System.Logger.Level.ERROR, "native poller failed", t);
                LockSupport.parkNanos(this, 10_000_000);
            }
        }
    }

    private void pollEvents() {
        int max = 512;
        int size = Libc.EPOLL_EVENT_SIZE;
        MemorySegment events = Arena.global().allocate((long) max * size, 8);
        MemorySegment state = loopState;
        while (true) {
            int n = Libc.epollWait(state, epfd, events, max, 0);
            if (n < 0) {
                if (Libc.errno(state) == Libc.EINTR) {
                    continue;
                }
                throw new IllegalStateException("epoll_wait failed: errno " + Libc.errno(state));
            }
            if (n == 0) {
                // Nothing ready: the waiter's one-shot registration on, then park. An event already there makes the
                // waiter unpark the loop at once (the registration reports it), so none is missed.
                if (Libc.epollCtl(state, waiterEpfd, Libc.EPOLL_CTL_MOD, epfd, waiterRearm) == 0) {
                    LockSupport.park(this);
                } else { // short of a kernel out of memory, never: poll again soon rather than never
                    LockSupport.parkNanos(this, 1_000_000);
                }
                continue;
            }
            for (int k = 0; k < n; k++) {
                long at = (long) k * size;
                int ev = events.get(ValueLayout.JAVA_INT_UNALIGNED, at);
                long data = events.get(ValueLayout.JAVA_LONG_UNALIGNED, at + Libc.EPOLL_DATA_OFFSET);
                int fd = (int) data;
                Chunk c = chunk(fd);
                int i = fd & (CHUNK - 1);
                if ((int) (data >>> 32) != (int) INTS.getVolatile(c.generations, i)) {
                    // An event of the number's previous connection, collected before its close. (One that passes
                    // this check just as the number is registered again can still mark the new connection: a
                    // spurious report, which costs its reader a read that finds nothing.)
                    continue;
                }
                int bits = 0;
                if ((ev & (Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLERR | Libc.EPOLLHUP | Libc.EPOLLPRI)) != 0) {
                    bits |= READ;
                }
                if ((ev & (Libc.EPOLLRDHUP | Libc.EPOLLERR | Libc.EPOLLHUP | Libc.EPOLLPRI)) != 0) {
                    bits |= SUSPECT;
                }
                if ((ev & (Libc.EPOLLOUT | Libc.EPOLLERR | Libc.EPOLLHUP)) != 0) {
                    bits |= WRITE;
                }
                INTS.getAndBitwiseOr(c.ready, i, bits);
                if ((bits & READ) != 0) {
                    LockSupport.unpark((Thread) THREADS.getVolatile(c.readers, i));
                    if (RUNNABLES.getVolatile(c.tasks, i) != null) {
                        startTask(c, i);
                    }
                }
                if ((bits & WRITE) != 0) {
                    LockSupport.unpark((Thread) THREADS.getVolatile(c.writers, i));
                }
            }
            Thread.yield();
        }
    }
}
