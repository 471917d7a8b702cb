package io.fastwebsockets.internal.nativeio;

import io.fastwebsockets.internal.server.NativeConnection;
import io.fastwebsockets.internal.server.NativeSockets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;

/**
 * A listening TCP socket of the native transport: non-blocking and registered with the {@link Poller} like a
 * connection (a {@link NativeSocket} underneath, so that its close is as safe), accepting with {@code accept4}. One
 * thread accepts at a time.
 */
final class NativeListener implements NativeSockets.Listener {
    private final NativeSocket socket;
    private final InetSocketAddress local;
    // Set-up calls of the accepting thread: the error number, and the option value of setsockopt.
    private final MemorySegment state;
    private final MemorySegment option;

    private NativeListener(NativeSocket socket, InetSocketAddress local, Arena arena) {
        this.socket = socket;
        this.local = local;
        this.state = Libc.state(arena);
        this.option = arena.allocate(ValueLayout.JAVA_INT);
    }

    static NativeListener open(InetSocketAddress address, int backlog) throws IOException {
        if (address.isUnresolved()) { // what the JDK's channel throws for it, so that callers see one exception
            throw new java.nio.channels.UnresolvedAddressException();
        }
        Poller.get(); // started now, before the first NativeSocket (whose class takes it as a constant)
        Arena arena = Arena.ofAuto();
        MemorySegment st = Libc.state(arena);
        MemorySegment sa = arena.allocate(Libc.SOCKADDR_SIZE, 8);
        MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment opt = arena.allocate(ValueLayout.JAVA_INT);
        // The IPv4 wildcard as the JDK's channels bind it where there is IPv6: the IPv6 wildcard (IPV6_V6ONLY off,
        // below), which takes IPv4 and IPv6 clients alike and reports itself as [::]; with
        // -Djava.net.preferIPv4Stack=true, or where there is no IPv6, the IPv4 wildcard as asked.
        boolean anyIpv4 = address.getAddress() instanceof Inet4Address && address.getAddress().isAnyLocalAddress();
        boolean dual = anyIpv4 && !Boolean.getBoolean("java.net.preferIPv4Stack");
        int salen = Libc.sockaddr(sa, dual ? new InetSocketAddress(InetAddress.getByAddress(new byte[16]),
                address.getPort()) : address);
        int family = salen == 16 ? Libc.AF_INET : Libc.AF_INET6;
        int fd = Libc.socket(st, family, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0 && dual) { // no IPv6 socket here (EAFNOSUPPORT): the IPv4 wildcard
            salen = Libc.sockaddr(sa, address);
            family = Libc.AF_INET;
            fd = Libc.socket(st, family, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        }
        if (fd < 0) {
            throw new IOException("socket failed: errno " + Libc.errno(st));
        }
        // As the JDK's listening sockets on Linux: a restarted server binds its port again at once (SO_REUSEADDR),
        // and an IPv6 one takes IPv4 connections too whatever the system's default (IPV6_V6ONLY off). Urgent data
        // stays in the stream (SO_OOBINLINE, inherited by accepted sockets, and set on each), as WebSocket bytes;
        // a read still stops short at its mark, which the poller's report of it covers (Poller.SUSPECT).
        if (Libc.setIntOption(st, opt, fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1) != 0
                || family == Libc.AF_INET6
                        && Libc.setIntOption(st, opt, fd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, 0) != 0
                || Libc.setIntOption(st, opt, fd, Libc.SOL_SOCKET, Libc.SO_OOBINLINE, 1) != 0
                || Libc.bind(st, fd, sa, salen) != 0
                || Libc.listen(st, fd, backlog > 0 ? backlog : 50) != 0
                || Libc.localAddress(st, fd, sa, len) != 0) {
            int e = Libc.errno(st);
            Libc.close(fd);
            // The JDK's words for the usual ones (a command line prints this message as it is), the number otherwise
            throw new java.net.BindException(switch (e) {
                case 13 -> "Permission denied";
                case 98 -> "Address already in use";
                case 99 -> "Cannot assign requested address";
                default -> "bind/listen failed: errno " + e;
            });
        }
        InetSocketAddress local = Libc.fromSockaddr(sa);
        NativeSocket s = new NativeSocket(fd); // closes fd if it fails
        return new NativeListener(s, local, arena);
    }

    @Override
    public NativeConnection accept() throws IOException {
        while (true) {
            int fd = socket.acceptNow(state);
            if (fd >= 0) {
                Libc.setIntOption(state, option, fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
                Libc.setIntOption(state, option, fd, Libc.SOL_SOCKET, Libc.SO_OOBINLINE, 1);
                return new NativeSocket(fd);
            }
            int e = Libc.errno(state);
            if (socket.isReleased()) {
                throw new ClosedChannelException();
            }
            if (e == Libc.EAGAIN) {
                socket.awaitReadable(0);
            } else if (e != Libc.EINTR && e != 103 /* ECONNABORTED */) {
                throw new IOException(e == Libc.EMFILE ? "Too many open files" : "accept failed: errno " + e);
            }
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public void close() {
        socket.close();
    }
}
