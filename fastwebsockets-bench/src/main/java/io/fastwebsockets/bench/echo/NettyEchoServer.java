package io.fastwebsockets.bench.echo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.PlatformDependent;
import java.net.InetSocketAddress;

/**
 * Netty 4.2 echo server: {@code HttpServerCodec}, {@code HttpObjectAggregator} and
 * {@code WebSocketServerProtocolHandler} (which answers pings and closes), a {@code WebSocketFrameAggregator} so
 * fragmented messages are echoed whole, and a handler that writes every text and binary frame straight back (the
 * received frame's buffer is handed to the write, no copy) and flushes once per read batch.
 *
 * <pre>
 * NettyEchoServer [--host H] [--port P] [--threads N] [--transport epoll|nio] [--deflate on|off]
 * </pre>
 *
 * {@code --deflate on} adds permessage-deflate the way Netty's {@code WebSocketServerCompressionHandler} does (a
 * {@code WebSocketServerExtensionHandler} with a {@code PerMessageDeflateServerExtensionHandshaker} at level 6,
 * window 15, before the protocol handler, which then allows RSV bits), except that the handshaker also accepts
 * {@code server_no_context_takeover}: the stock handler declines offers that ask for it, as the benchmark's load
 * generator does.
 *
 * The native epoll transport is used when it loads, NIO otherwise (or when asked); which one is printed to stderr.
 * One event-loop thread by default, serving both the listening socket and the connections (the benchmark pins the
 * server to one core); {@code --threads N} for more. Netty on JDK 24+ leaves {@code sun.misc.Unsafe} off unless
 * the JVM runs with {@code --sun-misc-unsafe-memory-access=allow} (bench/server.sh passes it by default); whether
 * it is on is printed to stderr too.
 */
public final class NettyEchoServer {
    private NettyEchoServer() {
    }

    /** Echoes text and binary messages; everything else has been handled by the protocol handler already. */
    @ChannelHandler.Sharable
    static final class EchoHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof BinaryWebSocketFrame || msg instanceof TextWebSocketFrame) {
                ctx.write(msg); // the write takes over the frame's reference
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        // A peer that sends faster than it reads stops being read until our writes drain.
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * Starts the server and blocks until the process is killed.
     *
     * @param args see the class comment
     * @throws Exception if binding fails
     */
    public static void main(String[] args) throws Exception {
        EchoArgs a = EchoArgs.parse("NettyEchoServer", args, "threads", "transport", "deflate");
        boolean deflate = a.option("deflate", "off").equals("on");
        Channel server = bind(a, "netty", deflate, null, new EchoHandler());
        System.err.println("netty: deflate=" + deflate + ", direct buffers=" + PlatformDependent.directBufferPreferred());
        EchoArgs.announce(((InetSocketAddress) server.localAddress()).getPort());
        server.closeFuture().sync();
    }

    /**
     * Binds the benchmark's Netty server (shared with {@link NettyBroadcastServer}): epoll unless {@code --transport
     * nio} or epoll does not load, {@code --threads} event-loop threads (default 1), and per connection
     * {@code HttpServerCodec}, {@code HttpObjectAggregator}, permessage-deflate if asked (see the class comment),
     * {@code WebSocketServerProtocolHandler}, {@code WebSocketFrameAggregator}, then {@code last}.
     *
     * @param a the command line ({@code threads} and {@code transport} are read from it)
     * @param name the name diagnostics start with
     * @param deflate whether to negotiate permessage-deflate
     * @param waterMark the connections' write-buffer water marks, or {@code null} for Netty's defaults
     * @param last the application's handler, sharable
     * @return the listening channel
     * @throws InterruptedException if interrupted while binding
     */
    static Channel bind(EchoArgs a, String name, boolean deflate, WriteBufferWaterMark waterMark,
            ChannelHandler last) throws InterruptedException {
        int threads = a.intOption("threads", 1);
        String wanted = a.option("transport", "epoll");
        boolean epoll = wanted.equals("epoll") && Epoll.isAvailable();
        if (wanted.equals("epoll") && !epoll) {
            System.err.println(name + ": epoll unavailable (" + Epoll.unavailabilityCause() + "), using NIO");
        }
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, io);
        WebSocketServerProtocolConfig wsConfig = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/")
                .checkStartsWith(true)
                .maxFramePayloadLength(EchoArgs.MAX_MESSAGE)
                .allowExtensions(deflate)
                .build();
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        p.addLast(new HttpServerCodec());
                        p.addLast(new HttpObjectAggregator(65536));
                        if (deflate) {
                            p.addLast(new WebSocketServerExtensionHandler(
                                    new PerMessageDeflateServerExtensionHandshaker(6, false, 15, true, false)));
                        }
                        p.addLast(new WebSocketServerProtocolHandler(wsConfig));
                        p.addLast(new WebSocketFrameAggregator(EchoArgs.MAX_MESSAGE));
                        p.addLast(last);
                    }
                });
        if (waterMark != null) {
            b.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark);
        }
        Channel server = b.bind(new InetSocketAddress(a.host, a.port)).sync().channel();
        System.err.println(name + ": transport=" + (epoll ? "epoll" : "nio") + ", event-loop threads=" + threads
                + ", unsafe=" + PlatformDependent.hasUnsafe());
        return server;
    }
}
