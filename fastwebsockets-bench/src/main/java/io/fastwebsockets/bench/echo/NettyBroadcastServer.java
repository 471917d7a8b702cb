package io.fastwebsockets.bench.echo;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelMatchers;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * Netty 4.2 broadcast server for the fan-out benchmark ({@code bench/fanout.sh}): the pipeline of
 * {@link NettyEchoServer} ({@code HttpServerCodec}, {@code HttpObjectAggregator}, {@code WebSocketServerProtocolHandler},
 * {@code WebSocketFrameAggregator}), and a handler that adds every connection to one {@link ChannelGroup} once its
 * handshake is complete and sends every text and binary message it receives to the whole group, the sender
 * included, with {@code ChannelGroup.writeAndFlush}: one frame, whose buffer each channel's write shares (a
 * retained duplicate per channel), encoded by each channel's frame encoder. The write uses void promises
 * ({@code writeAndFlush(msg, ChannelMatchers.all(), true)}): nothing here waits for the result, so no future per
 * channel and message is made (the plain {@code writeAndFlush(msg)} builds a map of them per message).
 *
 * <pre>
 * NettyBroadcastServer [--host H] [--port P] [--threads N] [--transport epoll|nio] [--max-backlog BYTES]
 * </pre>
 *
 * A slow consumer: each connection's write buffer has Netty's high water mark at {@code --max-backlog} (default
 * 1 MiB; the low mark at half of it), and a connection that becomes unwritable (more than that queued in Netty
 * and not taken by the socket) is closed, which discards what was queued for it. The publisher never waits. The
 * number of such closes is printed to stderr on SIGTERM. Epoll and one event-loop thread by default, as for the
 * echo server.
 */
public final class NettyBroadcastServer {
    private NettyBroadcastServer() {
    }

    /** One for all connections: joins them to the group, fans every message out, closes slow consumers. */
    @ChannelHandler.Sharable
    static final class BroadcastHandler extends ChannelInboundHandlerAdapter {
        final ChannelGroup group = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        final LongAdder slowConsumerCloses = new LongAdder();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                group.add(ctx.channel()); // removed by the group itself when the channel closes
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof BinaryWebSocketFrame || msg instanceof TextWebSocketFrame) {
                // a retained duplicate per channel, the group releases msg after; void promises: no future per write
                group.writeAndFlush(msg, ChannelMatchers.all(), true);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (!ctx.channel().isWritable() && ctx.channel().isActive()) {
                slowConsumerCloses.increment();
                ctx.close();
            }
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
        EchoArgs a = EchoArgs.parse("NettyBroadcastServer", args, "threads", "transport", "max-backlog");
        int maxBacklog = a.intOption("max-backlog", 1 << 20);
        BroadcastHandler broadcast = new BroadcastHandler();
        Channel server = NettyEchoServer.bind(a, "netty-broadcast", false,
                new WriteBufferWaterMark(maxBacklog / 2, maxBacklog), broadcast);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println(
                "netty-broadcast: slow-consumer closes=" + broadcast.slowConsumerCloses.sum())));
        System.err.println("netty-broadcast: max backlog=" + maxBacklog);
        EchoArgs.announce(((InetSocketAddress) server.localAddress()).getPort());
        server.closeFuture().sync();
    }
}
