package io.fastwebsockets.internal.nativeio;

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
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The C library's socket and epoll calls through the FFM API (Linux, LP64): what the native transport needs instead
 * of the JDK's {@code SocketChannel}. Each call returns the C result; on -1 the error number is in the state the call
 * was given ({@link #errno(MemorySegment)}), captured right after the call. A connection's calls pass a state of the
 * poller's per descriptor (a thread-local would cost each virtual thread a map); set-up calls allocate one.
 */
final class Libc {
    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEADDR = 2;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_OOBINLINE = 10;
    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_IPV6 = 41;
    static final int IPV6_V6ONLY = 26;
    static final int TCP_NODELAY = 1;
    static final int SHUT_WR = 1;
    static final int SHUT_RDWR = 2;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EINVAL = 22;
    static final int EMFILE = 24;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;
    static final int EPOLLIN = 0x1;
    static final int EPOLLPRI = 0x2;
    static final int EPOLLOUT = 0x4;
    static final int EPOLLERR = 0x8;
    static final int EPOLLHUP = 0x10;
    static final int EPOLLRDHUP = 0x2000;
    static final int EPOLLET = 0x80000000;
    static final int EPOLLONESHOT = 0x40000000;
    static final int EPOLL_CLOEXEC = 0x80000;
    /** The size of a {@code struct sockaddr_storage}: room for any address. */
    static final int SOCKADDR_SIZE = 128;

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

    // Short calls on non-blocking sockets: critical (no thread-state transition) and allowed to take heap memory, so
    // that a heap buffer is read into or written from directly.
    private static final MethodHandle READ = critical("read", FunctionDescriptor.of(L, I, A, L));
    private static final MethodHandle WRITE = critical("write", FunctionDescriptor.of(L, I, A, L));
    // The iovec array may be heap memory (a long[]); the buffers it points to are native (direct buffers).
    private static final MethodHandle WRITEV = critical("writev", FunctionDescriptor.of(L, I, A, I));
    private static final MethodHandle SOCKET = plain("socket", FunctionDescriptor.of(I, I, I, I));
    private static final MethodHandle SETSOCKOPT = plain("setsockopt", FunctionDescriptor.of(I, I, I, I, A, I));
    private static final MethodHandle BIND = plain("bind", FunctionDescriptor.of(I, I, A, I));
    private static final MethodHandle SOCKETPAIR = plain("socketpair", FunctionDescriptor.of(I, I, I, I, A));
    private static final MethodHandle LISTEN = plain("listen", FunctionDescriptor.of(I, I, I));
    private static final MethodHandle GETSOCKNAME = plain("getsockname", FunctionDescriptor.of(I, I, A, A));
    private static final MethodHandle GETPEERNAME = plain("getpeername", FunctionDescriptor.of(I, I, A, A));
    private static final MethodHandle ACCEPT4 = plain("accept4", FunctionDescriptor.of(I, I, A, A, I));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LIBC.find("close").orElseThrow(),
            FunctionDescriptor.of(I, I));
    private static final MethodHandle SHUTDOWN = LINKER.downcallHandle(LIBC.find("shutdown").orElseThrow(),
            FunctionDescriptor.of(I, I, I));
    private static final MethodHandle EPOLL_CREATE1 = plain("epoll_create1", FunctionDescriptor.of(I, I));
    private static final MethodHandle EPOLL_CTL = plain("epoll_ctl", FunctionDescriptor.of(I, I, I, I, A));
    private static final MethodHandle EPOLL_WAIT = plain("epoll_wait", FunctionDescriptor.of(I, I, A, I, I));

    /** The size of the state a call captures its error number in. */
    static final long STATE_SIZE = CAPTURE.byteSize();

    private Libc() {
    }

    private static MethodHandle plain(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), d, Linker.Option.captureCallState("errno"));
    }

    private static MethodHandle critical(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), d, Linker.Option.captureCallState("errno"),
                Linker.Option.critical(true));
    }

    /** @return a state for one set-up call's error number */
    static MemorySegment state(Arena arena) {
        return arena.allocate(CAPTURE);
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

    /**
     * Writes {@code count} buffers described by {@code iov} (struct iovec: base address, then length; two longs each)
     * in one call.
     */
    static long writev(MemorySegment state, int fd, MemorySegment iov, int count) {
        try {
            return (long) WRITEV.invokeExact(state, fd, iov, count);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int socket(MemorySegment state, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(state, domain, type, protocol);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** @return 0, or -1 with the error number in {@code state}; {@code fds} gets two connected stream sockets */
    static int socketPair(MemorySegment state, MemorySegment fds) {
        try {
            return (int) SOCKETPAIR.invokeExact(state, AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int setIntOption(MemorySegment state, MemorySegment scratch, int fd, int level, int name, int value) {
        scratch.set(I, 0, value);
        try {
            return (int) SETSOCKOPT.invokeExact(state, fd, level, name, scratch, 4);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int bind(MemorySegment state, int fd, MemorySegment sockaddr, int length) {
        try {
            return (int) BIND.invokeExact(state, fd, sockaddr, length);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int listen(MemorySegment state, int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(state, fd, backlog);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The local address into {@code sockaddr} (SOCKADDR_SIZE bytes); 0 or -1. */
    static int localAddress(MemorySegment state, int fd, MemorySegment sockaddr, MemorySegment length) {
        length.set(I, 0, SOCKADDR_SIZE);
        try {
            return (int) GETSOCKNAME.invokeExact(state, fd, sockaddr, length);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The peer's address into {@code sockaddr} (SOCKADDR_SIZE bytes); 0 or -1. */
    static int peerAddress(MemorySegment state, int fd, MemorySegment sockaddr, MemorySegment length) {
        length.set(I, 0, SOCKADDR_SIZE);
        try {
            return (int) GETPEERNAME.invokeExact(state, fd, sockaddr, length);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** A non-blocking accept: the new descriptor, or -1 (EAGAIN when none waits). No peer address asked for. */
    static int accept4(MemorySegment state, int fd, int flags) {
        try {
            return (int) ACCEPT4.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL, flags);
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

    static int epollCreate(MemorySegment state) {
        try {
            return (int) EPOLL_CREATE1.invokeExact(state, EPOLL_CLOEXEC);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code epoll_ctl} with an event the caller prepared ({@link #epollEvent}), or NULL for a delete. */
    static int epollCtl(MemorySegment state, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EPOLL_CTL.invokeExact(state, epfd, op, fd, event);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Sets {@code ev} (EPOLL_EVENT_SIZE bytes) to {@code events} with {@code data}. */
    static MemorySegment epollEvent(MemorySegment ev, long data, int events) {
        ev.set(ValueLayout.JAVA_INT_UNALIGNED, 0, events);
        ev.set(ValueLayout.JAVA_LONG_UNALIGNED, EPOLL_DATA_OFFSET, data);
        return ev;
    }

    /** Waits (a platform thread's call, or 0 ms) for events into {@code events} (room for {@code max}). */
    static int epollWait(MemorySegment state, int epfd, MemorySegment events, int max, int timeoutMillis) {
        try {
            return (int) EPOLL_WAIT.invokeExact(state, epfd, events, max, timeoutMillis);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Writes {@code address} as a sockaddr_in or sockaddr_in6 into {@code sa} (SOCKADDR_SIZE bytes, zeroed first).
     *
     * @return its length
     */
    static int sockaddr(MemorySegment sa, InetSocketAddress address) {
        sa.fill((byte) 0);
        InetAddress ip = address.getAddress();
        int port = address.getPort();
        sa.set(ValueLayout.JAVA_BYTE, 2, (byte) (port >>> 8));
        sa.set(ValueLayout.JAVA_BYTE, 3, (byte) port);
        byte[] b = ip.getAddress();
        if (b.length == 4) {
            sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
            MemorySegment.copy(b, 0, sa, ValueLayout.JAVA_BYTE, 4, 4);
            return 16;
        }
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET6);
        MemorySegment.copy(b, 0, sa, ValueLayout.JAVA_BYTE, 8, 16);
        sa.set(ValueLayout.JAVA_INT, 24, ((Inet6Address) ip).getScopeId());
        return 28;
    }

    /** @return the address in a sockaddr_in or sockaddr_in6, or null for another family */
    static InetSocketAddress fromSockaddr(MemorySegment sa) {
        int family = sa.get(ValueLayout.JAVA_SHORT, 0);
        int port = ((sa.get(ValueLayout.JAVA_BYTE, 2) & 0xff) << 8) | (sa.get(ValueLayout.JAVA_BYTE, 3) & 0xff);
        try {
            if (family == AF_INET) {
                byte[] b = new byte[4];
                MemorySegment.copy(sa, ValueLayout.JAVA_BYTE, 4, b, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(b), port);
            }
            if (family == AF_INET6) {
                byte[] b = new byte[16];
                MemorySegment.copy(sa, ValueLayout.JAVA_BYTE, 8, b, 0, 16);
                int scope = sa.get(ValueLayout.JAVA_INT, 24);
                InetAddress ip = scope != 0 ? Inet6Address.getByAddress(null, b, scope) : InetAddress.getByAddress(b);
                return new InetSocketAddress(ip, port);
            }
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // only for a wrong length
        }
        return null;
    }
}
