// floor — the echo benchmark's ceiling: the least work a WebSocket echo server can do per message on this machine.
//
// Not a competitor and not a product: one thread, level-triggered epoll, one read and one write per message
// (what every server in the table does at best), frames parsed and unmasked in place, nothing else — no UTF-8
// check, no fragmentation, no limits beyond a fixed buffer. Its rate is what the kernel's TCP path leaves room for;
// no JVM server can beat it with the same system calls, so the ratio floor/Netty bounds the ratio any server can
// reach against Netty here. bench/server.sh runs it as the server "c-floor"; bench/echo.sh builds it.
//
//   floor [--port P] [--syscalls rw|sr] [--broadcast [--max-backlog BYTES]]
//     --port      0 (default) binds an ephemeral port on 127.0.0.1; prints `LISTENING <port>` once listening
//     --syscalls  rw (default): read(2)/write(2), the calls the JDK's SocketChannel makes;
//                 sr: recv(2)/send(2), the calls Netty's epoll transport makes (recvfrom/sendto)
//     --broadcast the fan-out benchmark's ceiling (bench/fanout.sh, server c-floor-broadcast): every data frame
//                 any client sends goes to every open connection, the sender included. The frame is built once
//                 (unmasked) and copied into each connection's output buffer; after each batch of epoll events
//                 every connection with output gets one write, so what queued for it goes out together. A
//                 connection whose unsent output would exceed --max-backlog (default and at most 1 MiB) is closed
//                 at once (a slow consumer); a sender is never held back by anyone.
//     --lean      the memory floor (bench/echo.sh memory, server c-floor-lean): a connection's two buffers are
//                 allocated when bytes arrive and freed as soon as both are empty, so an idle connection keeps only
//                 its small struct. Costs an allocation per message: for memory runs, not throughput runs.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF (1 << 20) // per connection, read and write each: the largest message echoed is a little under 1 MiB

struct conn {
    int fd;
    int open;                   // handshake done
    unsigned char *in, *out;
    size_t in_len, out_off, out_len;
    // --broadcast
    int slot;                   // index in subscribers, once open
    int dirty;                  // in the batch's to-flush list
    int dead;                   // closed; freed after the batch
};

static int use_recv_send;
static int lean; // --lean

static ssize_t do_read(int fd, void *p, size_t n) { return use_recv_send ? recv(fd, p, n, 0) : read(fd, p, n); }
static ssize_t do_write(int fd, const void *p, size_t n) {
    return use_recv_send ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);
}

// SHA-1 (FIPS 180-4), only for the handshake's accept key.
static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
static void sha1(const unsigned char *msg, size_t len, unsigned char out[20]) {
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    size_t total = ((len + 8) / 64 + 1) * 64;
    unsigned char *m = calloc(total, 1);
    memcpy(m, msg, len);
    m[len] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) m[total - 1 - i] = (unsigned char)(bits >> (8 * i));
    for (size_t off = 0; off < total; off += 64) {
        uint32_t w[80];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)m[off + 4 * i] << 24 | (uint32_t)m[off + 4 * i + 1] << 16 |
                   (uint32_t)m[off + 4 * i + 2] << 8 | m[off + 4 * i + 3];
        for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; i++) {
            uint32_t f, k;
            if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
            else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
            else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
            else { f = b ^ c ^ d; k = 0xCA62C1D6; }
            uint32_t t = rol(a, 5) + f + e + k + w[i];
            e = d; d = c; c = rol(b, 30); b = a; a = t;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
    }
    free(m);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++) out[4 * i + j] = (unsigned char)(h[i] >> (24 - 8 * j));
}

static void base64(const unsigned char *p, size_t n, char *out) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        out[o++] = t[v >> 18 & 63];
        out[o++] = t[v >> 12 & 63];
        out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[o] = 0;
}

// --lean: an idle connection gives its buffers back (free(NULL) is harmless for the ones never allocated).
static void trim(struct conn *c) {
    if (lean && c->in_len == 0 && c->out_len == 0) {
        free(c->in);
        free(c->out);
        c->in = c->out = NULL;
    }
}

static void drop(int epfd, struct conn *c) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in);
    free(c->out);
    free(c);
}

// Writes what is queued; returns -1 on error. Leaves EPOLLOUT on while bytes remain.
static int flush_out(int epfd, struct conn *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = do_write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n < 0) {
            if (errno == EAGAIN) {
                struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
                epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
                return 0;
            }
            return -1;
        }
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    return 0;
}

static int handshake(struct conn *c) {
    c->in[c->in_len] = 0;
    char *end = strstr((char *)c->in, "\r\n\r\n");
    if (!end) return c->in_len >= 8192 ? -1 : 0;
    char *k = strcasestr((char *)c->in, "\r\nSec-WebSocket-Key:");
    if (!k) return -1;
    k += 20;
    while (*k == ' ') k++;
    char *ke = strstr(k, "\r\n");
    if (!ke || ke - k > 64) return -1;
    char buf[128];
    size_t kl = (size_t)(ke - k);
    memcpy(buf, k, kl);
    memcpy(buf + kl, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
    unsigned char digest[20];
    sha1((unsigned char *)buf, kl + 36, digest);
    char accept[32];
    base64(digest, 20, accept);
    c->out_len = (size_t)snprintf((char *)c->out, BUF,
                                  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                  "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
    size_t used = (size_t)(end + 4 - (char *)c->in);
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
    c->open = 1;
    return 1;
}

// The client frame at f, of which avail bytes are buffered: sets *hdr (the header's length, before the masking key)
// and *len (the payload's). Returns 1 if the whole frame is there, 0 if more bytes are needed, -1 if it is unmasked
// or its payload longer than max.
static int parse_frame(const unsigned char *f, size_t avail, uint64_t max, size_t *hdr, uint64_t *len) {
    if (avail < 2) return 0;
    if (!(f[1] & 0x80)) return -1; // client frames are masked
    *len = f[1] & 0x7F;
    *hdr = 2;
    if (*len == 126) {
        if (avail < 4) return 0;
        *len = (uint64_t)f[2] << 8 | f[3];
        *hdr = 4;
    } else if (*len == 127) {
        if (avail < 10) return 0;
        *len = 0;
        for (int i = 0; i < 8; i++) *len = *len << 8 | f[2 + i];
        *hdr = 10;
    }
    if (*len > max) return -1;
    return avail >= *hdr + 4 + *len;
}

// Writes at o the server's copy of the client frame f (header length hdr, payload length len): the same first
// byte, the shortest length, the payload unmasked 8 bytes at a time. Returns the copy's length.
static size_t unmasked_copy(unsigned char *o, const unsigned char *f, size_t hdr, uint64_t len) {
    const unsigned char *mask = f + hdr, *payload = f + hdr + 4;
    size_t oh = 2;
    o[0] = f[0];
    if (len < 126) {
        o[1] = (unsigned char)len;
    } else if (len < 65536) {
        o[1] = 126; o[2] = (unsigned char)(len >> 8); o[3] = (unsigned char)len; oh = 4;
    } else {
        o[1] = 127;
        for (int i = 0; i < 8; i++) o[2 + i] = (unsigned char)(len >> (56 - 8 * i));
        oh = 10;
    }
    uint32_t m32;
    memcpy(&m32, mask, 4);
    uint64_t m64 = (uint64_t)m32 << 32 | m32;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t v;
        memcpy(&v, payload + i, 8);
        v ^= m64;
        memcpy(o + oh + i, &v, 8);
    }
    for (; i < len; i++) o[oh + i] = payload[i] ^ mask[i & 3];
    return oh + len;
}

// Echoes every complete frame in the input buffer (unmasked, same opcode and fin); returns -1 to drop.
static int echo_frames(struct conn *c) {
    size_t p = 0, hdr;
    uint64_t len;
    int r;
    while ((r = parse_frame(c->in + p, c->in_len - p, BUF - 64, &hdr, &len)) > 0) {
        if ((c->in[p] & 0x0F) == 0x8) return -1; // close: just drop the connection
        if (c->out_len + 10 + len > BUF) break; // echo what fits now, the rest after the write
        c->out_len += unmasked_copy(c->out + c->out_len, c->in + p, hdr, len);
        p += hdr + 4 + len;
    }
    if (r < 0) return -1;
    memmove(c->in, c->in + p, c->in_len - p);
    c->in_len -= p;
    return 0;
}

// --broadcast: the open connections, the ones with output to flush after this batch, the ones to free after it.
static int broadcast;
static size_t max_backlog = BUF - 64;
static struct conn **subs, **dirty, **graveyard;
static int nsubs, ndirty, ngrave, cap;

static void grow(int need) {
    if (need <= cap) return;
    cap = need * 2;
    subs = realloc(subs, cap * sizeof *subs);
    dirty = realloc(dirty, cap * sizeof *dirty);
    graveyard = realloc(graveyard, cap * sizeof *graveyard);
    if (!subs || !dirty || !graveyard) { perror("realloc"); exit(1); }
}

// Closes c now; its memory is freed after the batch (later events of the batch may still point at it).
static void bc_kill(int epfd, struct conn *c) {
    if (c->dead) return;
    c->dead = 1;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    if (c->open) { // swap-remove from the subscribers
        subs[c->slot] = subs[--nsubs];
        subs[c->slot]->slot = c->slot;
    }
    grow(nsubs + ngrave + 1);
    graveyard[ngrave++] = c;
}

// Sends every complete data frame in c's input to every subscriber (built once, unmasked); -1 to drop c.
static int broadcast_frames(int epfd, struct conn *c) {
    static unsigned char frame[BUF];
    size_t p = 0, hdr;
    uint64_t len;
    int r;
    while ((r = parse_frame(c->in + p, c->in_len - p, max_backlog - 10, &hdr, &len)) > 0) {
        int opcode = c->in[p] & 0x0F;
        if (opcode == 0x8) return -1;
        size_t flen = opcode > 2 ? 0 : unmasked_copy(frame, c->in + p, hdr, len); // ping, pong: not forwarded
        p += hdr + 4 + len;
        // downwards: a slow consumer's removal moves the last subscriber (already served) into its slot
        for (int i = flen ? nsubs - 1 : -1; i >= 0; i--) {
            struct conn *t = subs[i];
            if (t->out_len - t->out_off + flen > max_backlog) { bc_kill(epfd, t); continue; }
            if (t->out_len + flen > BUF) {
                memmove(t->out, t->out + t->out_off, t->out_len - t->out_off);
                t->out_len -= t->out_off;
                t->out_off = 0;
            }
            memcpy(t->out + t->out_len, frame, flen);
            t->out_len += flen;
            if (!t->dirty) { t->dirty = 1; dirty[ndirty++] = t; }
        }
        if (c->dead) return 0;
    }
    if (r < 0) return -1;
    memmove(c->in, c->in + p, c->in_len - p);
    c->in_len -= p;
    return 0;
}

static void broadcast_event(int epfd, struct conn *c, uint32_t events) {
    if (c->dead) return;
    if (events & EPOLLOUT) {
        if (flush_out(epfd, c) < 0) { bc_kill(epfd, c); return; }
        if (c->out_len == 0) {
            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
            epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
        }
    }
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    ssize_t r = do_read(c->fd, c->in + c->in_len, BUF - c->in_len);
    if (r <= 0) {
        if (!(r < 0 && errno == EAGAIN)) bc_kill(epfd, c);
        return;
    }
    c->in_len += (size_t)r;
    if (!c->open) {
        int rc = handshake(c);
        if (rc > 0) rc = flush_out(epfd, c);
        if (rc < 0) { bc_kill(epfd, c); return; }
        if (!c->open) return;
        grow(nsubs + ngrave + 1); // dirty holds at most every subscriber and every connection closed this batch
        c->slot = nsubs;
        subs[nsubs++] = c;
    }
    if (broadcast_frames(epfd, c) < 0) bc_kill(epfd, c);
}

// After a batch of events: one write per connection that has output, then free what was closed.
static void broadcast_flush(int epfd) {
    for (int i = 0; i < ndirty; i++) {
        struct conn *t = dirty[i];
        t->dirty = 0;
        if (!t->dead && flush_out(epfd, t) < 0) bc_kill(epfd, t);
    }
    ndirty = 0;
    for (int i = 0; i < ngrave; i++) {
        free(graveyard[i]->in);
        free(graveyard[i]->out);
        free(graveyard[i]);
    }
    ngrave = 0;
}

int main(int argc, char **argv) {
    int port = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--syscalls") && i + 1 < argc) use_recv_send = !strcmp(argv[++i], "sr");
        else if (!strcmp(argv[i], "--broadcast")) broadcast = 1;
        else if (!strcmp(argv[i], "--lean")) lean = 1;
        else if (!strcmp(argv[i], "--max-backlog") && i + 1 < argc) {
            max_backlog = strtoull(argv[++i], NULL, 10);
            if (max_backlog > BUF - 64) max_backlog = BUF - 64;
        } else {
            fprintf(stderr, "usage: floor [--port P] [--syscalls rw|sr] [--broadcast [--max-backlog BYTES]] [--lean]\n");
            return 2;
        }
    }
    if (lean && broadcast) {
        fprintf(stderr, "floor: --lean is for the echo, not --broadcast\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 4096) < 0) { perror("listen"); return 1; }
    socklen_t al = sizeof a;
    getsockname(ls, (struct sockaddr *)&a, &al);
    printf("LISTENING %d (syscalls %s%s)\n", ntohs(a.sin_port), use_recv_send ? "recv/send" : "read/write",
           broadcast ? ", broadcast" : "");
    fflush(stdout);
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epfd, EPOLL_CTL_ADD, ls, &lev);
    static struct epoll_event evs[1024];
    for (;;) {
        int n = epoll_wait(epfd, evs, 1024, -1);
        if (n < 0 && errno != EINTR) { perror("epoll_wait"); return 1; }
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    c = calloc(1, sizeof *c);
                    c->fd = fd;
                    if (!lean) {
                        c->in = malloc(BUF + 1);
                        c->out = malloc(BUF);
                    }
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            if (broadcast) { broadcast_event(epfd, c, evs[i].events); continue; }
            if (evs[i].events & EPOLLOUT) {
                if (flush_out(epfd, c) < 0) { drop(epfd, c); continue; }
                if (c->out_len != 0) continue;
                struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
                // frames left behind while the output was full
                if (c->open && (echo_frames(c) < 0 || flush_out(epfd, c) < 0)) { drop(epfd, c); continue; }
            }
            if (!(evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            if (c->out_len != 0) continue; // a write is pending: read after it drains (backpressure)
            if (!c->in) c->in = malloc(BUF + 1); // --lean: given back while empty
            if (!c->out) c->out = malloc(BUF);
            ssize_t r = do_read(c->fd, c->in + c->in_len, BUF - c->in_len);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN) { trim(c); continue; }
                drop(epfd, c);
                continue;
            }
            c->in_len += (size_t)r;
            int rc = 0;
            if (!c->open) {
                rc = handshake(c);
                if (rc > 0) rc = flush_out(epfd, c);
                if (rc < 0) { drop(epfd, c); continue; }
                if (!c->open) continue;
            }
            if (echo_frames(c) < 0 || flush_out(epfd, c) < 0) drop(epfd, c);
            else trim(c);
        }
        if (broadcast) broadcast_flush(epfd);
    }
}
