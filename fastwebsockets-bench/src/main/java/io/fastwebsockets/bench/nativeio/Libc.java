package io.fastwebsockets.bench.nativeio;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library's socket and epoll calls through the FFM API (Linux, x86_64 and aarch64): what a transport of our
 * own needs instead of the JDK's {@code SocketChannel}. Each call returns the C result; on -1, {@link #errno()} (or
 * {@link #errno(MemorySegment)} for the calls given a state) is the error number, captured right after the call.
 */
final class Libc {
    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int SOCK_STREAM = 1;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEADDR = 2;
    static final int SO_SNDBUF = 7;
    static final int IPPROTO_TCP = 6;
    static final int TCP_NODELAY = 1;
    static final int SHUT_WR = 1;
    static final int SHUT_RDWR = 2;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EINVAL = 22;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_MOD = 3;
    static final int EPOLLIN = 0x1;
    static final int EPOLLOUT = 0x4;
    static final int EPOLLERR = 0x8;
    static final int EPOLLHUP = 0x10;
    static final int EPOLLRDHUP = 0x2000;
    static final int EPOLLET = 0x80000000;
    static final int EPOLLONESHOT = 0x40000000;
    static final int EPOLL_CLOEXEC = 0x80000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final ValueLayout A = ValueLayout.ADDRESS;

    /** struct epoll_event: packed on x86_64 (12 bytes), naturally aligned elsewhere (16). */
    static final boolean PACKED_EPOLL_EVENT = "amd64".equals(System.getProperty("os.arch"))
            || "x86_64".equals(System.getProperty("os.arch"));
    static final int EPOLL_EVENT_SIZE = PACKED_EPOLL_EVENT ? 12 : 16;
    static final int EPOLL_DATA_OFFSET = PACKED_EPOLL_EVENT ? 4 : 8;

    // Short calls on non-blocking sockets: critical (no thread-state transition) and allowed to take heap memory.
    private static final MethodHandle READ = critical("read", FunctionDescriptor.of(L, I, A, L));
    private static final MethodHandle WRITE = critical("write", FunctionDescriptor.of(L, I, A, L));
    // The iovecs and the buffers they point to are native memory: no heap access, but no state transition either.
    private static final MethodHandle WRITEV = LINKER.downcallHandle(LIBC.find("writev").orElseThrow(),
            FunctionDescriptor.of(L, I, A, I), Linker.Option.captureCallState("errno"), Linker.Option.critical(false));
    private static final MethodHandle SOCKET = plain("socket", FunctionDescriptor.of(I, I, I, I));
    private static final MethodHandle SETSOCKOPT = plain("setsockopt", FunctionDescriptor.of(I, I, I, I, A, I));
    private static final MethodHandle BIND = plain("bind", FunctionDescriptor.of(I, I, A, I));
    private static final MethodHandle SOCKETPAIR = plain("socketpair", FunctionDescriptor.of(I, I, I, I, A));
    private static final MethodHandle LISTEN = plain("listen", FunctionDescriptor.of(I, I, I));
    private static final MethodHandle GETSOCKNAME = plain("getsockname", FunctionDescriptor.of(I, I, A, A));
    private static final MethodHandle ACCEPT4 = plain("accept4", FunctionDescriptor.of(I, I, A, A, I));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LIBC.find("close").orElseThrow(),
            FunctionDescriptor.of(I, I));
    private static final MethodHandle SHUTDOWN = LINKER.downcallHandle(LIBC.find("shutdown").orElseThrow(),
            FunctionDescriptor.of(I, I, I));
    private static final MethodHandle EPOLL_CREATE1 = plain("epoll_create1", FunctionDescriptor.of(I, I));
    private static final MethodHandle EPOLL_CTL = plain("epoll_ctl", FunctionDescriptor.of(I, I, I, I, A));
    private static final MethodHandle EPOLL_WAIT = plain("epoll_wait", FunctionDescriptor.of(I, I, A, I, I));

    /** The size of the state {@link #read} and {@link #write} capture the error number in. */
    static final long STATE_SIZE = CAPTURE.byteSize();

    // For the calls of platform threads (the acceptor, the poller, set-up): a virtual thread's connection passes a
    // state of its own instead (a thread-local per virtual thread would cost every connection a map).
    private static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private Libc() {
    }

    private static MethodHandle plain(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), d, Linker.Option.captureCallState("errno"));
    }

    private static MethodHandle critical(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), d, Linker.Option.captureCallState("errno"),
                Linker.Option.critical(true));
    }

    /** @return the error number of this (platform) thread's last call that returned -1 */
    static int errno() {
        return errno(STATE.get());
    }

    /** @return the error number captured in {@code state} by the last call given it */
    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    static long read(MemorySegment state, int fd, MemorySegment buf) {
        try {
            return (long) READ.invokeExact(state, fd, buf, buf.byteSize());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static long write(MemorySegment state, int fd, MemorySegment buf) {
        try {
            return (long) WRITE.invokeExact(state, fd, buf, buf.byteSize());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int socket(int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(STATE.get(), domain, type, protocol);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** @return two connected non-blocking Unix stream sockets, or null (see {@link #errno()}) */
    static int[] socketPair() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(I, 2);
            int r = (int) SOCKETPAIR.invokeExact(STATE.get(), AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                    fds);
            return r != 0 ? null : new int[] {fds.getAtIndex(I, 0), fds.getAtIndex(I, 1)};
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int setIntOption(int fd, int level, int name, int value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(I);
            v.set(I, 0, value);
            return (int) SETSOCKOPT.invokeExact(STATE.get(), fd, level, name, v, 4);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Binds to an IPv4 address (4 bytes, network order) and port. */
    static int bind(int fd, byte[] ipv4, int port) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(16);
            sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
            sa.set(ValueLayout.JAVA_BYTE, 2, (byte) (port >>> 8));
            sa.set(ValueLayout.JAVA_BYTE, 3, (byte) port);
            MemorySegment.copy(ipv4, 0, sa, ValueLayout.JAVA_BYTE, 4, 4);
            return (int) BIND.invokeExact(STATE.get(), fd, sa, 16);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int listen(int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(STATE.get(), fd, backlog);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** @return the local port of a bound IPv4 socket, or -1 */
    static int localPort(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(16);
            MemorySegment len = a.allocate(I);
            len.set(I, 0, 16);
            int r = (int) GETSOCKNAME.invokeExact(STATE.get(), fd, sa, len);
            if (r != 0) {
                return -1;
            }
            return ((sa.get(ValueLayout.JAVA_BYTE, 2) & 0xff) << 8) | (sa.get(ValueLayout.JAVA_BYTE, 3) & 0xff);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Blocks (a platform thread's call) until a connection arrives; no peer address asked for. */
    static int accept4(int fd, int flags) {
        try {
            return (int) ACCEPT4.invokeExact(STATE.get(), fd, MemorySegment.NULL, MemorySegment.NULL, flags);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int shutdown(int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(fd, how);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int epollCreate() {
        try {
            return (int) EPOLL_CREATE1.invokeExact(STATE.get(), EPOLL_CLOEXEC);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Writes {@code count} buffers described by {@code iov} (struct iovec: base address, then length, 16 bytes each)
     * in one call.
     */
    static long writev(MemorySegment state, int fd, MemorySegment iov, int count) {
        try {
            return (long) WRITEV.invokeExact(state, fd, iov, count);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * {@code epoll_ctl} with an event the caller prepared ({@link #epollEvent}) and the state its error number goes
     * to ({@link #errno(MemorySegment)}): no allocation, and no thread-local, so a virtual thread may call it.
     */
    static int epollCtl(MemorySegment state, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EPOLL_CTL.invokeExact(state, epfd, op, fd, event);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** @return a struct epoll_event of {@code events} whose data is {@code data}, in {@code arena} */
    static MemorySegment epollEvent(Arena arena, long data, int events) {
        MemorySegment ev = arena.allocate(EPOLL_EVENT_SIZE, 8);
        ev.set(ValueLayout.JAVA_INT_UNALIGNED, 0, events);
        ev.set(ValueLayout.JAVA_LONG_UNALIGNED, EPOLL_DATA_OFFSET, data);
        return ev;
    }

    /** Blocks (a platform thread's call) for events into {@code events} (room for {@code max}). */
    static int epollWait(int epfd, MemorySegment events, int max, int timeoutMillis) {
        try {
            return (int) EPOLL_WAIT.invokeExact(STATE.get(), epfd, events, max, timeoutMillis);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
