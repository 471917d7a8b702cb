package io.fastwebsockets.bench.nativeio;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One epoll instance and the loop that polls it, for every {@link NativeSocket} of the process: a virtual thread with
 * a platform waiter (or, with {@code -Dnative.platformPoller=true}, a platform thread blocked in epoll_wait). A socket
 * is registered once, edge-triggered, for reading (for writing only while a writer waits for room); the loop only
 * records each event in a bit per descriptor and direction and unparks the thread waiting there, if any. A thread
 * waits only after the socket answered EAGAIN, and clears the bit before it looks again, so no edge is lost (see
 * {@link #await}). Per descriptor it keeps a slot in four arrays (a bit set, two waiting threads, a thread to start:
 * 16 bytes with compressed references, allocated at start for {@link #MAX_FD}) and 8 bytes of native memory for the
 * two error numbers; nothing per connection object.
 */
final class Poller {
    /** Descriptors above this are refused (the process's open-files limit here is 20,000). */
    static final int MAX_FD = 1 << 17;
    static final int READ = 1;
    static final int WRITE = 2;
    private static final int READ_EVENTS = Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLET;

    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle THREADS = MethodHandles.arrayElementVarHandle(Thread[].class);
    private static final VarHandle RUNNABLES = MethodHandles.arrayElementVarHandle(Runnable[].class);

    static final Poller INSTANCE = new Poller();

    private final int epfd;
    // The virtual loop's waiter (see the constructor): its epoll instance, the event that re-arms it, the loop.
    private int masterEpfd = -1;
    private MemorySegment masterRearm;
    private final MemorySegment masterState = Arena.global().allocate(Libc.STATE_SIZE, 8);
    private Thread loop;
    private final int[] ready = new int[MAX_FD];
    private final Thread[] readers = new Thread[MAX_FD];
    private final Thread[] writers = new Thread[MAX_FD];
    /**
     * Per descriptor, how many times it has been registered: the events carry it (with the descriptor, in the
     * event's data), so that an event of a closed connection, collected before the close, is dropped rather than
     * taken for one of the next connection given the same number.
     */
    private final int[] generations = new int[MAX_FD];
    /** What to start on a virtual thread once the descriptor is first readable (see {@link #startWhenReadable}). */
    private final Runnable[] starters = new Runnable[MAX_FD];
    /** Per descriptor, the error-number state of its reads and of its writes (a reader and a writer may overlap). */
    private final MemorySegment errnos = Arena.global().allocate(MAX_FD * 2L * Libc.STATE_SIZE, 8);

    private Poller() {
        epfd = Libc.epollCreate();
        if (epfd < 0) {
            throw new IllegalStateException("epoll_create1: errno " + Libc.errno());
        }
        if (Boolean.getBoolean("native.platformPoller")) {
            Thread.ofPlatform().daemon().name("native-poller").start(() -> poll(true));
            return;
        }
        // The loop is a virtual thread, as the server's EventLoop is: the connections' threads it unparks run on the
        // same carriers, with no context switch while there is work. It never blocks its carrier: it polls with no
        // timeout and, when nothing is ready, asks a platform thread waiting on a second epoll instance (which
        // watches this one) to unpark it at the next event, and parks.
        int master = Libc.epollCreate();
        MemorySegment rearm = Libc.epollEvent(Arena.global(), epfd, Libc.EPOLLIN | Libc.EPOLLONESHOT);
        if (master < 0 || Libc.epollCtl(masterState, master, Libc.EPOLL_CTL_ADD, epfd, rearm) != 0) {
            throw new IllegalStateException("epoll for the poller's waiter: errno "
                    + (master < 0 ? Libc.errno() : Libc.errno(masterState)));
        }
        masterEpfd = master;
        masterRearm = rearm;
        loop = Thread.ofVirtual().name("native-poller").unstarted(() -> poll(false));
        Thread.ofPlatform().daemon().name("native-poller-waiter").start(this::waitForEvents);
        loop.start();
    }

    // The platform waiter: blocks until the poller's epoll instance has events, unparks the loop; the one-shot
    // registration then stays off until the loop, finding nothing more, turns it on again before it parks.
    private void waitForEvents() {
        MemorySegment event = Arena.global().allocate(Libc.EPOLL_EVENT_SIZE, 8);
        while (true) {
            int n = Libc.epollWait(masterEpfd, event, 1, -1);
            if (n > 0) {
                LockSupport.unpark(loop);
            } else if (n < 0 && Libc.errno() != Libc.EINTR) {
                System.err.println("native-poller-waiter: epoll_wait failed, errno " + Libc.errno());
                return;
            }
        }
    }

    /** Watches {@code fd}, a non-blocking socket. */
    void register(int fd) throws IOException {
        if (fd >= MAX_FD) {
            throw new IOException("descriptor " + fd + " above " + MAX_FD);
        }
        int generation = (int) INTS.getAndAdd(generations, fd, 1) + 1;
        INTS.setVolatile(ready, fd, 0); // a late event of the number's last connection (see generations)
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ev = event(a, fd, generation, READ_EVENTS);
            if (Libc.epollCtl(errnoState(fd, READ), epfd, Libc.EPOLL_CTL_ADD, fd, ev) != 0) {
                throw new IOException("epoll_ctl(ADD): errno " + Libc.errno(errnoState(fd, READ)));
            }
        }
    }

    // The event's data: the descriptor and its generation.
    private static MemorySegment event(Arena a, int fd, int generation, int events) {
        return Libc.epollEvent(a, ((long) generation << 32) | (fd & 0xffffffffL), events);
    }

    /**
     * Asks for {@code fd}'s write events too (a write found the socket full), or no more. Only while a writer waits
     * for room: a socket registered for them all the time would report room after nearly every write (the peer's
     * acknowledgement frees some), and wake the poller for nothing.
     */
    void writeEvents(int fd, boolean on) throws IOException {
        MemorySegment state = errnoState(fd, WRITE); // the writer's (a thread-local would cost a virtual thread a map)
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ev = event(a, fd, (int) INTS.getVolatile(generations, fd),
                    on ? READ_EVENTS | Libc.EPOLLOUT : READ_EVENTS);
            if (Libc.epollCtl(state, epfd, Libc.EPOLL_CTL_MOD, fd, ev) != 0) {
                throw new IOException("epoll_ctl(MOD): errno " + Libc.errno(state));
            }
        }
    }

    /**
     * Runs {@code task} on a virtual thread of its own once {@code fd}, registered before this call, is first reported
     * readable (its opening handshake has arrived): the thread then reads the handshake without waiting, and first
     * parks in the handler's own read, as the server's connection threads do (the server's event loop reads the
     * handshake). A connection that never sends anything costs no thread.
     */
    void startWhenReadable(int fd, Runnable task) {
        RUNNABLES.setVolatile(starters, fd, task);
        if (((int) INTS.getVolatile(ready, fd) & READ) != 0) {
            start(fd); // reported before the task was there
        }
    }

    private void start(int fd) {
        Runnable task = (Runnable) RUNNABLES.getAndSet(starters, fd, (Runnable) null);
        if (task != null) {
            Thread.ofVirtual().start(task);
        }
    }

    /** @return the state a read ({@code direction} READ) or write of {@code fd} captures its error number in */
    MemorySegment errnoState(int fd, int direction) {
        return errnos.asSlice((fd * 2L + (direction - 1)) * Libc.STATE_SIZE, Libc.STATE_SIZE);
    }

    /**
     * Parks until an event for {@code fd} in {@code direction} has come since the last wait returned (at once if one
     * has), or the socket is released. The caller's read or write answered EAGAIN.
     */
    void await(int fd, int direction, NativeSocket socket) throws IOException {
        Thread[] waiters = direction == READ ? readers : writers;
        Thread me = Thread.currentThread();
        while (true) {
            if (socket.isReleased()) {
                throw new IOException("connection closed");
            }
            if (((int) INTS.getAndBitwiseAnd(ready, fd, ~direction) & direction) != 0) {
                return;
            }
            if (me.isInterrupted()) {
                throw socket.interrupted(); // park would return at once, over and over
            }
            THREADS.setVolatile(waiters, fd, me);
            // The poller sets the bit, then reads the waiter; so either it sees this thread or this sees the bit.
            if (((int) INTS.getVolatile(ready, fd) & direction) == 0 && !socket.isReleased()) {
                LockSupport.park(socket);
            }
            THREADS.setVolatile(waiters, fd, null);
        }
    }

    /** @return whether an event for {@code fd} in {@code direction} had come (it is cleared) */
    boolean takeReady(int fd, int direction) {
        return ((int) INTS.getAndBitwiseAnd(ready, fd, ~direction) & direction) != 0;
    }

    /** @return whether an event for {@code fd} in {@code direction} has come and not been taken */
    boolean isReady(int fd, int direction) {
        return ((int) INTS.getVolatile(ready, fd) & direction) != 0;
    }

    /** Makes {@code t} (or no one, for null) the thread the next event for {@code fd} in {@code direction} unparks. */
    void waiter(int fd, int direction, Thread t) {
        THREADS.setVolatile(direction == READ ? readers : writers, fd, t);
    }

    /** Wakes whoever waits on {@code fd} (the socket was released: it then sees that). */
    void wake(int fd) {
        LockSupport.unpark((Thread) THREADS.getVolatile(readers, fd));
        LockSupport.unpark((Thread) THREADS.getVolatile(writers, fd));
    }

    /** Forgets {@code fd} before it is closed (its number may come back with another connection). */
    void forget(int fd) {
        RUNNABLES.setVolatile(starters, fd, null);
        THREADS.setVolatile(readers, fd, null);
        THREADS.setVolatile(writers, fd, null);
        INTS.setVolatile(ready, fd, 0);
    }

    // The loop: on a platform thread (native.platformPoller) it blocks in epoll_wait; on the virtual one it polls
    // without waiting, yields after waking threads (so that they run before the next poll, which then serves all the
    // sockets that became ready meanwhile) and parks when nothing is ready (see the constructor).
    private void poll(boolean blocking) {
        int max = 512;
        int size = Libc.EPOLL_EVENT_SIZE;
        MemorySegment events = Arena.global().allocate((long) max * size, 8);
        while (true) {
            int n = Libc.epollWait(epfd, events, max, blocking ? -1 : 0);
            if (n < 0) {
                if (Libc.errno() == Libc.EINTR) {
                    continue;
                }
                System.err.println("native-poller: epoll_wait failed, errno " + Libc.errno());
                return;
            }
            if (n == 0) {
                // Nothing ready: the waiter's one-shot registration on, then park. An event already there makes
                // the waiter unpark the loop at once (the registration reports it), so none is missed.
                if (Libc.epollCtl(masterState, masterEpfd, Libc.EPOLL_CTL_MOD, epfd, masterRearm) == 0) {
                    LockSupport.park(this);
                } else { // cannot happen short of a kernel out of memory: poll again soon rather than never
                    System.err.println("native-poller: re-arming its waiter failed, errno " + Libc.errno(masterState));
                    LockSupport.parkNanos(this, 1_000_000);
                }
                continue;
            }
            for (int i = 0; i < n; i++) {
                long at = (long) i * size;
                int ev = events.get(ValueLayout.JAVA_INT_UNALIGNED, at);
                long data = events.get(ValueLayout.JAVA_LONG_UNALIGNED, at + Libc.EPOLL_DATA_OFFSET);
                int fd = (int) data;
                if ((int) (data >>> 32) != (int) INTS.getVolatile(generations, fd)) {
                    continue; // an event of the number's previous connection, collected before its close
                }
                int bits = 0;
                if ((ev & (Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLERR | Libc.EPOLLHUP)) != 0) {
                    bits |= READ;
                }
                if ((ev & (Libc.EPOLLOUT | Libc.EPOLLERR | Libc.EPOLLHUP)) != 0) {
                    bits |= WRITE;
                }
                INTS.getAndBitwiseOr(ready, fd, bits);
                if ((bits & READ) != 0) {
                    LockSupport.unpark((Thread) THREADS.getVolatile(readers, fd));
                    if (RUNNABLES.getVolatile(starters, fd) != null) {
                        start(fd);
                    }
                }
                if ((bits & WRITE) != 0) {
                    LockSupport.unpark((Thread) THREADS.getVolatile(writers, fd));
                }
            }
            if (!blocking) {
                Thread.yield();
            }
        }
    }
}
