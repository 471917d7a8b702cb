package io.fastwebsockets.bench.clients;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Netty's client ({@code WebSocketClientHandshaker} through {@link WebSocketClientProtocolHandler}): one event-loop
 * thread for all connections, the native epoll transport when it loads, pooled buffers; each echo is compared in
 * the received buffer and the next message written as a retained slice of one shared buffer (no copy per send).
 */
final class NettyDriver implements ClientBench.Driver {
    private EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();

    @Override
    public void start(URI uri, int connections, ClientBench.Sink sink) throws Exception {
        boolean epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        ByteBuf message = Unpooled.unreleasableBuffer(Unpooled.directBuffer(sink.payload.length)
                .writeBytes(sink.payload));
        CountDownLatch open = new CountDownLatch(connections);
        List<Loop> loops = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Loop loop = new Loop(sink, message, open);
            loops.add(loop);
            Bootstrap b = new Bootstrap().group(group)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                                    new WebSocketClientProtocolHandler(WebSocketClientHandshakerFactory
                                            .newHandshaker(uri, WebSocketVersion.V13, null, false,
                                                    new DefaultHttpHeaders(), 64 << 20)),
                                    new WebSocketFrameAggregator(64 << 20), loop);
                        }
                    });
            channels.add(b.connect(uri.getHost(), uri.getPort()).sync().channel());
        }
        if (!open.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("Netty: not every handshake completed");
        }
        for (Loop loop : loops) {
            loop.ctx.channel().eventLoop().execute(loop::sendNext);
        }
    }

    private static final class Loop extends SimpleChannelInboundHandler<BinaryWebSocketFrame> {
        private final ClientBench.Sink sink;
        private final ByteBuf message;
        private final CountDownLatch open;
        volatile ChannelHandlerContext ctx;
        private long sent;

        Loop(ClientBench.Sink sink, ByteBuf message, CountDownLatch open) {
            this.sink = sink;
            this.message = message;
            this.open = open;
        }

        void sendNext() {
            sent = System.nanoTime();
            ctx.writeAndFlush(new BinaryWebSocketFrame(message.retainedDuplicate()));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext c, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                ctx = c;
                open.countDown();
            }
            super.userEventTriggered(c, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext c, BinaryWebSocketFrame frame) {
            if (sink.echoed(frame.content().equals(message), sent)) {
                sendNext();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            if (!sink.stopping()) {
                sink.fail(cause.toString());
            }
            c.close();
        }
    }

    @Override
    public void close() throws Exception {
        for (Channel ch : channels) {
            ch.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
