package io.fastwebsockets.bench.echo;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelMatchers;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * Netty 4.2 broadcast server for the fan-out benchmark ({@code bench/fanout.sh}): the pipeline of
 * {@link NettyEchoServer} ({@code HttpServerCodec}, {@code HttpObjectAggregator}, {@code WebSocketServerProtocolHandler},
 * {@code WebSocketFrameAggregator}), and a handler that adds every connection to one {@link ChannelGroup} once its
 * handshake is complete and sends every text and binary message it receives to the whole group, the sender
 * included: one frame, whose buffer each channel's write shares (a retained duplicate per channel), encoded by each
 * channel's frame encoder, written with void promises (nothing here waits for the result, so no future per channel
 * and message; the plain {@code write(msg)} builds a map of them per message). How often each channel is flushed
 * (a flush is one {@code write(2)}/{@code writev(2)} of what that channel has pending) is {@code --flush}:
 * <ul>
 * <li>{@code each} (the default, {@code bench/server.sh netty-broadcast}): {@code group.writeAndFlush(msg,
 * ChannelMatchers.all(), true)}, every channel flushed for every message: one system call per delivery;</li>
 * <li>{@code batched} ({@code netty-broadcast-batched}): {@code group.write(msg, ChannelMatchers.all(), true)} per
 * message and one {@code group.flush()} per event-loop tick, a task queued on the reading loop by the first message
 * of the tick; Netty runs its tasks after it has handled every ready channel of an {@code epoll_wait}, so each
 * channel is flushed once for all the messages of that batch: one system call per connection and batch, what ours
 * and the C floor do;</li>
 * <li>{@code consolidated} ({@code netty-broadcast-consolidated}): {@code each}'s {@code writeAndFlush} with Netty's
 * own {@link FlushConsolidationHandler} ({@code explicitFlushAfterFlushes} 256, its default, and
 * {@code consolidateWhenNoReadInProgress}) at the head of each channel's pipeline: a flush of a channel that is not
 * reading itself is postponed to a task of its own (one per channel and tick), at the latest every 256 flushes.</li>
 * </ul>
 * With {@code --frame once} ({@code netty-broadcast-framed-once}: with {@code --flush batched}) the handler frames the
 * message itself, once, into one direct buffer (header and payload), and writes that buffer to the group instead of
 * the frame: each channel gets a retained duplicate of the same bytes, which its WebSocket encoder (it takes frames
 * only) passes on untouched, so no channel allocates and copies a frame of its own ({@code --frame each}, the
 * default, lets each channel's encoder frame the message).
 *
 * <pre>
 * NettyBroadcastServer [--host H] [--port P] [--threads N] [--transport epoll|nio] [--max-backlog BYTES]
 *                      [--flush each|batched|consolidated] [--frame each|once]
 * </pre>
 *
 * A slow consumer, the same with every {@code --flush}: each connection's write buffer has Netty's high water mark
 * at {@code --max-backlog} (default 1 MiB; the low mark at half of it), which counts what is written and not yet
 * flushed as well as what is flushed and not taken by the socket, and a connection that becomes unwritable is
 * closed, which discards what was queued for it. The publisher never waits. The number of such closes is printed to
 * stderr on SIGTERM. Epoll and one event-loop thread by default, as for the echo server.
 */
public final class NettyBroadcastServer {
    private NettyBroadcastServer() {
    }

    /** When the channels are flushed ({@code --flush}); see the class comment. */
    enum Flush {
        EACH, BATCHED, CONSOLIDATED;

        static Flush parse(String s) {
            return switch (s) {
                case "each" -> EACH;
                case "batched" -> BATCHED;
                case "consolidated" -> CONSOLIDATED;
                default -> throw new IllegalArgumentException("--flush each|batched|consolidated, not " + s);
            };
        }
    }

    /** One for all connections: joins them to the group, fans every message out, closes slow consumers. */
    @ChannelHandler.Sharable
    static final class BroadcastHandler extends ChannelInboundHandlerAdapter {
        final ChannelGroup group = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        final LongAdder slowConsumerCloses = new LongAdder();
        private final Flush flush;
        // BATCHED: per event-loop thread, whether its flush of the group is already queued for this tick. Only that
        // thread reads and writes it (channelRead and the task both run on the loop).
        private final FastThreadLocal<TickFlush> tickFlush = new FastThreadLocal<>() {
            @Override
            protected TickFlush initialValue() {
                return new TickFlush(group);
            }
        };

        private final boolean frameOnce;

        BroadcastHandler(Flush flush, boolean frameOnce) {
            this.flush = flush;
            this.frameOnce = frameOnce;
        }

        /** An unmasked final frame of {@code opcode} around {@code payload}, in one buffer of the channel's allocator. */
        static ByteBuf framed(ByteBufAllocator alloc, int opcode, ByteBuf payload) {
            int n = payload.readableBytes();
            ByteBuf out = alloc.directBuffer((n < 126 ? 2 : n < 65536 ? 4 : 10) + n);
            out.writeByte(0x80 | opcode);
            if (n < 126) {
                out.writeByte(n);
            } else if (n < 65536) {
                out.writeByte(126).writeShort(n);
            } else {
                out.writeByte(127).writeLong(n);
            }
            return out.writeBytes(payload, payload.readerIndex(), n);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                if (flush == Flush.CONSOLIDATED) { // first in the pipeline, where it sees every flush
                    ctx.pipeline().addFirst(new FlushConsolidationHandler(
                            FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
                }
                group.add(ctx.channel()); // removed by the group itself when the channel closes
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof BinaryWebSocketFrame || msg instanceof TextWebSocketFrame) {
                if (frameOnce) { // the bytes of the frame, which every channel's encoder lets through as they are
                    WebSocketFrame frame = (WebSocketFrame) msg;
                    msg = framed(ctx.alloc(), frame instanceof TextWebSocketFrame ? 0x1 : 0x2, frame.content());
                    frame.release();
                }
                // a retained duplicate per channel, the group releases msg after; void promises: no future per write
                if (flush == Flush.BATCHED) {
                    group.write(msg, ChannelMatchers.all(), true);
                    tickFlush.get().schedule(ctx.channel().eventLoop());
                } else {
                    group.writeAndFlush(msg, ChannelMatchers.all(), true);
                }
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
     * One flush of the whole group per event-loop tick: queued as a task by the first message the loop reads in a tick,
     * run after the loop has handled every ready channel. Channels served by other loops (with {@code --threads} > 1)
     * get the writes and this flush as tasks of their own loop, in that order, so nothing written stays unflushed.
     */
    private static final class TickFlush implements Runnable {
        private final ChannelGroup group;
        private boolean queued;

        TickFlush(ChannelGroup group) {
            this.group = group;
        }

        void schedule(EventLoop loop) {
            if (!queued) {
                queued = true;
                loop.execute(this);
            }
        }

        @Override
        public void run() {
            queued = false;
            group.flush();
        }
    }

    /**
     * Starts the server and blocks until the process is killed.
     *
     * @param args see the class comment
     * @throws Exception if binding fails
     */
    public static void main(String[] args) throws Exception {
        EchoArgs a = EchoArgs.parse("NettyBroadcastServer", args, "threads", "transport", "max-backlog", "flush", "frame");
        int maxBacklog = a.intOption("max-backlog", 1 << 20);
        Flush flush = Flush.parse(a.option("flush", "each"));
        String frame = a.option("frame", "each");
        if (!frame.equals("each") && !frame.equals("once")) {
            throw new IllegalArgumentException("--frame each|once, not " + frame);
        }
        BroadcastHandler broadcast = new BroadcastHandler(flush, frame.equals("once"));
        Channel server = NettyEchoServer.bind(a, "netty-broadcast", false,
                new WriteBufferWaterMark(maxBacklog / 2, maxBacklog), broadcast);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println(
                "netty-broadcast: slow-consumer closes=" + broadcast.slowConsumerCloses.sum())));
        System.err.println("netty-broadcast: max backlog=" + maxBacklog + ", flush=" + flush.name().toLowerCase()
                + ", frame=" + frame);
        EchoArgs.announce(((InetSocketAddress) server.localAddress()).getPort());
        server.closeFuture().sync();
    }
}
