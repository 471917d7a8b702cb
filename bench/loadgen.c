// loadgen — the echo benchmark's load generator: one epoll thread, N WebSocket connections, one message in flight
// on each. Every connection sends one masked binary message of S bytes, waits for the whole echo (verifying every
// byte), then sends the next. Prints messages/second over the measurement window and its own CPU use, so a reader
// can see it was not the bottleneck.
//
//   loadgen -p PORT [-h 127.0.0.1] [-c CONNS] [-s SIZE] [-w WARMUP_S] [-d SECONDS] [-u PATH] [-o OPENING] [-P PID] [-x]
//     -P PID: also report the CPU the server process PID used over the measurement window (/proc/PID/stat), and
//             messages per server CPU-second: the server's efficiency, which still compares servers when the
//             load generator's own core is what limits the rate
//   loadgen -p PORT -i CONNS [-t HOLD_S]      idle mode: open CONNS connections, print "IDLE_READY n", hold them
//                                             until stdin closes or HOLD_S seconds pass, then close them
//   -z (or --deflate): permessage-deflate (RFC 7692). Offers "permessage-deflate; client_no_context_takeover;
//             server_no_context_takeover" and fails a connection whose server does not accept it. The payload is
//             then compressible JSON-like text, compressed once with zlib (level 6, raw, sync flush, tail removed)
//             and sent as one masked RSV1 frame, the same bytes every time (no context takeover: each message
//             stands alone). Every echo is verified: a compressed one (RSV1) is inflated with zlib and compared
//             with the payload, an uncompressed one compared as it is. RESULT then also has wire_size (compressed).
//   -T: with -z, offer plain "permessage-deflate" instead (context takeover both ways, the server's default).
//   -W BITS: with -z, also offer "client_max_window_bits=BITS" (9 to 15; browsers offer the parameter, which lets a
//       server ask for a small client window) and compress with that window; a server that answers a smaller
//       client_max_window_bits fails the connection.
//   -x: TEXT messages instead of binary: the payload is the JSON-like text of -z (valid UTF-8), so a server validates
//       UTF-8 on every message. With -z the compressed frame is TEXT too.
//   Every echo must come back with the opcode it was sent with (TEXT or BINARY), or the connection counts as failed.
//   -e: in idle mode, one message each way per connection (sent one connection at a time, each echo verified)
//       before IDLE_READY; with -s SIZE and -z/-T as above. For measuring what an idle connection keeps. Then an
//       'e' on standard input echoes one more message on every connection the same way and prints "AGAIN_READY n".
//
//   loadgen -b -p PORT[,PORT...] [-c CLIENTS] [-s SIZE] [-S STALLED] [-O] [-w WARMUP_S] [-d SECONDS] [-P PID[,PID...]]
//     broadcast mode (the fan-out benchmark, bench/fanout.sh), against a server that sends every message it
//     receives to every connected client, the sender included. In rounds: every client sends one binary message
//     of SIZE (>= 8) bytes, then each waits until it has received all CLIENTS messages of the round; when every
//     client has, the next round starts. A message carries its round and sender in its first 8 bytes, the rest
//     is a fixed pattern; every delivery is checked (pattern, round, sender known, no sender twice in a round) and
//     counted. In the warm-up only, a round in which nothing arrives for 0.5 s is given up and a new one started
//     (a server may answer the handshake before the connection has joined the broadcast, so a first round can miss
//     it); the given-up round's late messages are ignored. Reports deliveries per second (a delivery: one message
//     received by one client), rounds per second, its own CPU, and with -P the server's CPU, deliveries per server CPU-second and the server's RSS (at the
//     end and the most seen, sampled every 0.2 s over the measurement).
//     Latency: each delivery's time from its sender's send to its receipt (read from the socket), over the
//     measurement: RESULT's latency_p50_us and latency_p99_us (log-linear histogram, ~3% precision).
//     -p PORT,PORT,...: the clients spread over several servers, client i on the i-th port modulo their number (the
//     cluster benchmark, bench/cluster.sh: every server one node of a cluster); RESULT then also has
//     remote_latency_p50_us / _p99_us over the deliveries whose sender is on another server than the receiver.
//     -P PID,PID,...: the servers' processes (and Redis): CPU and RSS are their sums.
//     -O: one sender per round (client r modulo CLIENTS in round r): one message in flight in the whole system, so
//     the latency is that of an unloaded path rather than of a full round's queueing.
//     -S STALLED: that many more clients connect, then never read (nor send): slow consumers. They take no part
//     in the rounds; after the measurement they read what they had left (2 s at most) and RESULT says how many
//     reached a Close frame or the end of the stream: the server had closed them (stalled_closed). Their receive buffer is 4 KiB
//     (SO_RCVBUF), so what they leave unread backs up into the server within seconds.
//
// Build: gcc -O2 -Wall -o bench/target/loadgen bench/loadgen.c -lz   (bench/echo.sh does this)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

enum { ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_DEAD };
enum { P_HEAD, P_PAYLOAD };

struct conn {
    int fd;
    int state;
    // writing: the prebuilt masked frame, or the handshake request
    const unsigned char *wbuf;
    size_t wlen, woff;
    int want_out;
    // handshake response
    char hs[1024];
    size_t hslen;
    // frame parser (server frames are unmasked)
    int pstate;
    unsigned char head[10];
    int hgot, hneed;
    int opcode, fin;
    uint64_t plen, pgot;
    uint64_t msg_got; // bytes of the current data message so far
    int in_msg;
    unsigned char *frame; // header + key + masked payload, sent over and over
    size_t frame_len;
    // permessage-deflate
    int compressed;        // the message being received has RSV1
    int server_takeover;   // the server keeps its context across messages (no server_no_context_takeover)
    unsigned char *cbuf;   // its compressed bytes so far (+ room for the 4-byte tail)
    z_stream *inflater;    // per connection (the server may keep its context)
    // broadcast mode (-b)
    size_t key_at;         // where the masked payload starts in frame
    unsigned char mhead[8]; // the first 8 payload bytes of the message being received: round, sender
    uint32_t round_got;    // messages of the current round received
    uint64_t *seen;        // one bit per sender: received this round
};

static const char *host = "127.0.0.1";
static int port = 0;            // the first of ports: the Host header's
#define MAX_PORTS 16
static int ports[MAX_PORTS];    // -p: client i connects to ports[i % nports]
static int nports;
static int nconns = 100;
static size_t size = 20;
static double warmup = 2, duration = 5, hold = 3600;
static const char *path = "/";
static int opening = 64; // handshakes in flight at once
static int idle_mode = 0;
static int server_pid = 0;      // the first of server_pids
#define MAX_PIDS 16
static int server_pids[MAX_PIDS]; // -P: CPU and RSS are summed over them
static int npids;
static int deflate_mode = 0;
static int offer_takeover = 0;
static int client_window_bits = 0; // -W: offered client_max_window_bits, 0: not offered (and 15 used)
static int echo_once = 0;
static int broadcast_mode = 0;  // -b
static int stalled = 0;         // -S: clients (after the nconns readers) that never read
static int total_conns;         // nconns + stalled
static uint32_t round_no;       // the broadcast round in progress (from 1)
static int round_done;          // readers that have every message of the round
static uint64_t rounds_done;
static uint32_t abandoned_upto; // rounds given up during the warm-up (a client not yet subscribed missed a message)
static double last_progress;    // when the last delivery (or round start) happened
static size_t seen_words;
static int one_sender;          // -O: only client (round_no % nconns) sends in a round
static int busy_poll;           // -B: epoll_wait never sleeps: the server's writes never have a sleeping generator
                                // to wake (on loopback the server's CPU pays that wake-up, a real client's would not)
static double *sent_at;         // broadcast mode: when each client sent its message of the current round
static double rx_time;          // when the bytes being parsed were read from the socket
static int measuring;           // deliveries go into the latency histograms
// Latency histograms, microseconds, log-linear: 0..63 exactly, then 32 buckets per power of two.
#define LAT_BUCKETS (64 + 40 * 32)
static uint64_t lat_all[LAT_BUCKETS], lat_remote[LAT_BUCKETS];

static int lat_bucket(uint64_t us) {
    if (us < 64) return (int)us;
    int e = 63 - __builtin_clzll(us); // >= 6
    if (e > 45) return LAT_BUCKETS - 1;
    return 64 + (e - 6) * 32 + (int)((us >> (e - 5)) - 32);
}

static double lat_value(int i) { // the middle of bucket i, in microseconds
    if (i < 64) return i;
    int j = i - 64, e = j / 32 + 6;
    uint64_t sub = (uint64_t)(j % 32 + 32);
    return (double)(sub << (e - 5)) + (double)(1ULL << (e - 5)) / 2;
}

static double lat_percentile(const uint64_t *h, double p) {
    uint64_t total = 0;
    for (int i = 0; i < LAT_BUCKETS; i++) total += h[i];
    if (total == 0) return -1;
    uint64_t want = (uint64_t)(p * (double)total), seen = 0;
    if (want >= total) want = total - 1;
    for (int i = 0; i < LAT_BUCKETS; i++) {
        seen += h[i];
        if (seen > want) return lat_value(i);
    }
    return -1;
}

static unsigned char *payload; // what every message carries, unmasked
static int text_mode;           // -x: TEXT messages
static int msg_opcode = 2;      // the opcode sent, and expected back: 1 (TEXT) or 2 (BINARY)
static unsigned char *wire;    // what goes in the frame: the payload, or with -z the payload compressed
static size_t wire_size;
static size_t max_compressed;  // the longest compressed echo accepted (incompressible data grows a little)
static unsigned char *inflated; // with -z: where an echo is inflated (size + 1 bytes)
static int epfd;
static struct conn *conns;
static int opened, open_ok, dead;
static uint64_t completed, errors;
static char request[512];
static size_t request_len;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

// utime + stime of process pid in seconds, or -1
static double process_cpu_seconds(int pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); // the command name may hold spaces; fields resume after its closing paren
    if (!p) return -1;
    unsigned long long ut = 0, st = 0;
    // fields after the name: state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15)
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return -1;
    return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

static void die(const char *what) {
    perror(what);
    exit(2);
}

static void set_events(struct conn *c, int out) {
    if (c->want_out == out) return;
    c->want_out = out;
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl mod");
}

static void kill_conn(struct conn *c, const char *why) {
    if (c->state == ST_DEAD) return;
    fprintf(stderr, "loadgen: connection %ld: %s\n", (long)(c - conns), why);
    if (c->state == ST_OPEN) open_ok--; // open_ok counts live connections; dead counts the rest
    c->state = ST_DEAD;
    close(c->fd);
    dead++;
    errors++;
}

static void build_frame(struct conn *c, uint32_t key) {
    size_t n = wire_size;
    size_t h = 2 + (n < 126 ? 0 : n <= 0xFFFF ? 2 : 8) + 4;
    c->frame_len = h + n;
    c->frame = malloc(c->frame_len);
    if (!c->frame) die("malloc");
    unsigned char *f = c->frame;
    f[0] = (deflate_mode ? 0xC0 : 0x80) | msg_opcode; // fin, (RSV1: compressed,) text or binary
    if (n < 126) {
        f[1] = 0x80 | (unsigned char)n;
    } else if (n <= 0xFFFF) {
        f[1] = 0x80 | 126;
        f[2] = n >> 8;
        f[3] = n;
    } else {
        f[1] = 0x80 | 127;
        for (int i = 0; i < 8; i++) f[2 + i] = (uint64_t)n >> (56 - 8 * i);
    }
    unsigned char k[4] = {key >> 24, key >> 16, key >> 8, key};
    memcpy(f + h - 4, k, 4);
    for (size_t i = 0; i < n; i++) f[h + i] = wire[i] ^ k[i & 3];
    c->key_at = h;
}

static uint32_t rd32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

// Broadcast mode: the round and the sender (the connection's index) into the frame's first 8 payload bytes, masked.
static void stamp_frame(struct conn *c) {
    unsigned char v[8] = {round_no >> 24, round_no >> 16, round_no >> 8, round_no, 0, 0, 0, 0};
    uint32_t s = (uint32_t)(c - conns);
    v[4] = s >> 24; v[5] = s >> 16; v[6] = s >> 8; v[7] = s;
    const unsigned char *k = c->frame + c->key_at - 4;
    for (int i = 0; i < 8; i++) c->frame[c->key_at + i] = v[i] ^ k[i & 3];
}

// JSON-like text: records whose field names repeat, words from a vocabulary of 64, numbers (reproducible).
static uint64_t text_rng = 0x2545F4914F6CDD1DULL;
static uint64_t next_rand(void) {
    text_rng ^= text_rng << 13;
    text_rng ^= text_rng >> 7;
    text_rng ^= text_rng << 17;
    return text_rng;
}

static void fill_text(unsigned char *p, size_t n) {
    static char words[64][12];
    for (int i = 0; i < 64; i++) {
        int len = 3 + next_rand() % 7;
        for (int j = 0; j < len; j++) words[i][j] = 'a' + next_rand() % 26;
        words[i][len] = 0;
    }
    char rec[256];
    size_t at = 0;
    while (at < n) {
        unsigned long long id = next_rand() % 1000000, uid = next_rand() % 1000, pi = next_rand() % 1000,
                           pf = next_rand() % 100;
        const char *user = words[next_rand() % 64], *t1 = words[next_rand() % 64], *t2 = words[next_rand() % 64];
        const char *w1 = words[next_rand() % 64], *w2 = words[next_rand() % 64], *w3 = words[next_rand() % 64],
                   *w4 = words[next_rand() % 64];
        int k = snprintf(rec, sizeof rec,
                         "{\"id\":%llu,\"user\":\"%s_%llu\",\"price\":%llu.%02llu,\"tags\":[\"%s\",\"%s\"],"
                         "\"text\":\"%s %s %s %s\"}\n",
                         id, user, uid, pi, pf, t1, t2, w1, w2, w3, w4);
        for (int i = 0; i < k && at < n; i++) p[at++] = rec[i];
    }
}

// The payload as permessage-deflate sends one message: raw DEFLATE, sync-flushed, without 00 00 FF FF.
static void compress_payload(void) {
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, client_window_bits ? -client_window_bits : -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        die("deflateInit2");
    size_t cap = deflateBound(&z, size) + 64;
    wire = malloc(cap);
    if (!wire) die("malloc");
    z.next_in = payload;
    z.avail_in = size;
    z.next_out = wire;
    z.avail_out = cap;
    if (deflate(&z, Z_SYNC_FLUSH) != Z_OK || z.avail_in != 0) {
        fprintf(stderr, "loadgen: deflate failed\n");
        exit(2);
    }
    wire_size = cap - z.avail_out;
    if (wire_size < 4 || memcmp(wire + wire_size - 4, "\0\0\xff\xff", 4) != 0) {
        fprintf(stderr, "loadgen: sync flush did not end with 00 00 FF FF\n");
        exit(2);
    }
    wire_size -= 4;
    deflateEnd(&z);
}

// Inflates a compressed echo (cbuf, len bytes, the tail appended here) and compares it with the payload.
static int check_compressed_echo(struct conn *c, size_t len) {
    if (!c->inflater) {
        c->inflater = calloc(1, sizeof *c->inflater);
        if (!c->inflater || inflateInit2(c->inflater, -15) != Z_OK) die("inflateInit2");
    } else if (!c->server_takeover) {
        inflateReset(c->inflater);
    }
    memcpy(c->cbuf + len, "\0\0\xff\xff", 4);
    z_stream *z = c->inflater;
    z->next_in = c->cbuf;
    z->avail_in = len + 4;
    z->next_out = inflated;
    z->avail_out = size + 1;
    int r = inflate(z, Z_SYNC_FLUSH);
    if (r != Z_OK && r != Z_STREAM_END && !(r == Z_BUF_ERROR && z->avail_in == 0)) return -1;
    size_t got = size + 1 - z->avail_out;
    if (r == Z_STREAM_END) inflateReset(z); // the server ended with a final block: the next message starts anew
    return got == size && z->avail_in == 0 && memcmp(inflated, payload, size) == 0 ? 0 : -1;
}

// Write what is pending; returns -1 if the connection died.
static int pump_write(struct conn *c) {
    while (c->woff < c->wlen) {
        ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
        if (n > 0) {
            c->woff += n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_events(c, 1);
            return 0;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            kill_conn(c, "send failed");
            return -1;
        }
    }
    set_events(c, 0);
    return 0;
}

static int send_message(struct conn *c) {
    c->wbuf = c->frame;
    c->wlen = c->frame_len;
    c->woff = 0;
    return pump_write(c);
}

// Broadcast mode: every reader sends the message of the next round.
static void next_round(void) {
    round_no++;
    round_done = 0;
    last_progress = now();
    for (int i = 0; i < nconns; i++) {
        struct conn *c = &conns[i];
        if (c->state != ST_OPEN) continue;
        c->round_got = 0;
        memset(c->seen, 0, seen_words * sizeof *c->seen);
    }
    for (int i = 0; i < nconns; i++) {
        struct conn *c = &conns[i];
        if (c->state != ST_OPEN || (one_sender && i != (int)(round_no % (uint32_t)nconns))) continue;
        stamp_frame(c);
        sent_at[i] = now();
        send_message(c);
    }
}

// Broadcast mode: one whole message received by reader c; returns -1 if the connection died.
static int on_delivery(struct conn *c) {
    uint32_t r = rd32(c->mhead), s = rd32(c->mhead + 4);
    if (r <= abandoned_upto && r < round_no) return 0; // late, from a round given up in the warm-up: not counted
    if (r != round_no) {
        kill_conn(c, "a message of another round");
        return -1;
    }
    if (s >= (uint32_t)nconns || (one_sender && s != round_no % (uint32_t)nconns)) {
        kill_conn(c, "a message from no client that sends");
        return -1;
    }
    if (c->seen[s / 64] >> (s % 64) & 1) {
        kill_conn(c, "the same sender twice in one round");
        return -1;
    }
    c->seen[s / 64] |= 1ULL << (s % 64);
    completed++;
    if (measuring) {
        double lat = rx_time - sent_at[s];
        int b = lat_bucket(lat > 0 ? (uint64_t)(lat * 1e6) : 0);
        lat_all[b]++;
        if (nports > 1 && s % nports != (uint32_t)(c - conns) % nports) lat_remote[b]++;
    }
    if ((completed & 63) == 0 || one_sender) last_progress = now();
    if (++c->round_got == (one_sender ? 1u : (uint32_t)nconns) && ++round_done == nconns) {
        rounds_done++;
        next_round();
    }
    return 0;
}

static void start_conn(struct conn *c) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (c - conns >= nconns) { // a stalled client (-S): a small receive window, so what it leaves unread backs up
        int small = 4096;      // into the server soon, not into megabytes of kernel buffer first
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(ports[(c - conns) % nports])};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "loadgen: bad host %s (IPv4 literal expected)\n", host);
        exit(2);
    }
    c->fd = fd;
    c->state = ST_CONNECTING;
    c->want_out = 1;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl add");
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) die("connect");
    opened++;
}

// The payload length of a complete frame header (2, 4 or 10 bytes).
static uint64_t payload_length(const unsigned char *head) {
    int l7 = head[1] & 0x7F;
    uint64_t len = l7;
    if (l7 == 126) len = (uint64_t)head[2] << 8 | head[3];
    if (l7 == 127) {
        len = 0;
        for (int i = 0; i < 8; i++) len = len << 8 | head[2 + i];
    }
    return len;
}

// Feeds bytes received on an open connection to the frame parser; returns -1 if the connection died.
static int on_bytes(struct conn *c, const unsigned char *p, size_t n) {
    while (n > 0) {
        if (c->pstate == P_HEAD) {
            while (n > 0 && c->hgot < c->hneed) {
                c->head[c->hgot++] = *p++;
                n--;
                if (c->hgot == 2) {
                    if (c->head[1] & 0x80) {
                        kill_conn(c, "masked frame from the server");
                        return -1;
                    }
                    int l7 = c->head[1] & 0x7F;
                    c->hneed = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0);
                }
            }
            if (c->hgot < c->hneed) return 0;
            uint64_t len = payload_length(c->head);
            c->fin = c->head[0] >> 7;
            c->opcode = c->head[0] & 0x0F;
            c->plen = len;
            c->pgot = 0;
            c->pstate = P_PAYLOAD;
            if (c->opcode == 8) {
                kill_conn(c, "the server sent Close");
                return -1;
            }
            int rsv = (c->head[0] >> 4) & 7;
            if (rsv != 0 && !(rsv == 4 && deflate_mode && (c->opcode == 1 || c->opcode == 2))) {
                kill_conn(c, "unexpected RSV bits");
                return -1;
            }
            if (c->opcode == 1 || c->opcode == 2) {
                if (c->opcode != msg_opcode) {
                    kill_conn(c, msg_opcode == 1 ? "echo is BINARY, the message sent was TEXT"
                                                 : "echo is TEXT, the message sent was BINARY");
                    return -1;
                }
                if (c->in_msg) {
                    kill_conn(c, "new message inside a fragmented one");
                    return -1;
                }
                c->in_msg = 1;
                c->msg_got = 0;
                c->compressed = rsv == 4;
                if (c->compressed && !c->cbuf && !(c->cbuf = malloc(max_compressed + 4))) die("malloc");
            } else if (c->opcode == 0 && !c->in_msg) {
                kill_conn(c, "continuation without a message");
                return -1;
            }
        }
        // payload
        uint64_t take = c->plen - c->pgot;
        if (take > n) take = n;
        if (c->opcode <= 2 && c->compressed) {
            if (c->msg_got + take > max_compressed) {
                kill_conn(c, "compressed echo far longer than the message sent");
                return -1;
            }
            memcpy(c->cbuf + c->msg_got, p, take);
            c->msg_got += take;
        } else if (c->opcode <= 2) {
            if (c->msg_got + take > size) {
                kill_conn(c, "echo longer than the message sent");
                return -1;
            }
            size_t head = 0; // broadcast mode: the first 8 bytes (round, sender) are kept, not compared
            if (broadcast_mode)
                for (; head < take && c->msg_got + head < 8; head++) c->mhead[c->msg_got + head] = p[head];
            if (memcmp(p + head, payload + c->msg_got + head, take - head) != 0) {
                kill_conn(c, "echo differs from the message sent");
                return -1;
            }
            c->msg_got += take;
        }
        c->pgot += take;
        p += take;
        n -= take;
        if (c->pgot == c->plen) {
            c->pstate = P_HEAD;
            c->hgot = 0;
            c->hneed = 2;
            if (c->opcode <= 2 && c->fin) {
                c->in_msg = 0;
                if (c->compressed) {
                    if (check_compressed_echo(c, c->msg_got) < 0) {
                        kill_conn(c, "compressed echo does not inflate to the message sent");
                        return -1;
                    }
                } else if (c->msg_got != size) {
                    kill_conn(c, "echo shorter than the message sent");
                    return -1;
                }
                if (broadcast_mode) {
                    if (on_delivery(c) < 0) return -1;
                } else {
                    completed++;
                    if (!idle_mode && send_message(c) < 0) return -1;
                }
            }
            // Ping, Pong: ignored (none expected in this benchmark)
        }
    }
    return 0;
}

static unsigned char rbuf[1 << 18];

static void on_handshake_bytes(struct conn *c) {
    for (;;) {
        ssize_t n = recv(c->fd, c->hs + c->hslen, sizeof c->hs - 1 - c->hslen, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n <= 0) {
            kill_conn(c, "closed during the handshake");
            return;
        }
        c->hslen += n;
        c->hs[c->hslen] = 0;
        char *end = strstr(c->hs, "\r\n\r\n");
        if (!end) {
            if (c->hslen == sizeof c->hs - 1) kill_conn(c, "handshake response too long");
            continue;
        }
        if (strncmp(c->hs, "HTTP/1.1 101", 12) != 0) {
            kill_conn(c, "handshake refused");
            return;
        }
        if (deflate_mode) {
            *end = 0; // the head only
            char *ext = strcasestr(c->hs, "\nSec-WebSocket-Extensions:");
            if (!ext || !strcasestr(ext, "permessage-deflate")) {
                kill_conn(c, "the server did not accept permessage-deflate");
                return;
            }
            char *eol = strchr(ext + 1, '\n');
            if (eol) *eol = 0;
            c->server_takeover = strcasestr(ext, "server_no_context_takeover") == NULL;
            char *cw = strcasestr(ext, "client_max_window_bits=");
            int answered = cw ? atoi(cw + strlen("client_max_window_bits=")) : 15;
            if (cw && !client_window_bits) {
                kill_conn(c, "the server set client_max_window_bits, which was not offered");
                return;
            }
            if (client_window_bits && answered < client_window_bits) {
                kill_conn(c, "the server asked for a smaller client window than -W compresses with");
                return;
            }
            if (eol) *eol = '\n';
            *end = '\r';
        }
        c->state = ST_OPEN;
        open_ok++;
        size_t extra = c->hslen - (end + 4 - c->hs);
        if (extra > 0) on_bytes(c, (unsigned char *)end + 4, extra);
        return;
    }
}

static void on_event(struct conn *c, uint32_t ev) {
    if (c->state == ST_DEAD) return;
    if (c->state == ST_CONNECTING) {
        if (ev & (EPOLLERR | EPOLLHUP)) {
            kill_conn(c, "connect failed");
            return;
        }
        if (ev & EPOLLOUT) {
            c->state = ST_HANDSHAKE;
            c->wbuf = (const unsigned char *)request;
            c->wlen = request_len;
            c->woff = 0;
            pump_write(c);
        }
        return;
    }
    if (ev & EPOLLOUT) {
        if (pump_write(c) < 0) return;
    }
    if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        if (c->state == ST_HANDSHAKE) {
            on_handshake_bytes(c);
            return;
        }
        for (;;) {
            ssize_t n = recv(c->fd, rbuf, sizeof rbuf, 0);
            if (n > 0) {
                if (broadcast_mode) rx_time = now();
                if (on_bytes(c, rbuf, n) < 0) return;
                if ((size_t)n < sizeof rbuf) return;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                return;
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else {
                kill_conn(c, n == 0 ? "the server closed the connection" : "recv failed");
                return;
            }
        }
    }
}

static void loop_once(int timeout_ms) {
    static struct epoll_event evs[1024];
    int n = epoll_wait(epfd, evs, 1024, busy_poll ? 0 : timeout_ms);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < n; i++) on_event(evs[i].data.ptr, evs[i].events);
}

// Opens every connection, at most `opening` handshakes in flight; returns when all are open (or dead).
static void open_all(double deadline) {
    while (open_ok + dead < total_conns) {
        while (opened < total_conns && opened - open_ok - dead < opening) start_conn(&conns[opened]);
        loop_once(100);
        if (now() > deadline) {
            fprintf(stderr, "loadgen: only %d of %d connections opened in time\n", open_ok, total_conns);
            exit(3);
        }
    }
}

// VmRSS of process pid in KiB, or -1
static long process_rss_kib(int pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kib) == 1) break;
    fclose(f);
    return kib;
}

// A stalled client's bytes, read after the measurement: skips whole frames; returns 1 once a Close frame starts.
static int scan_for_close(struct conn *c, const unsigned char *p, size_t n) {
    while (n > 0) {
        if (c->pstate == P_HEAD) {
            c->head[c->hgot++] = *p++;
            n--;
            if (c->hgot == 2) {
                int l7 = c->head[1] & 0x7F;
                c->hneed = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0);
            }
            if (c->hgot < c->hneed) continue;
            if ((c->head[0] & 0x0F) == 8) return 1;
            uint64_t len = payload_length(c->head);
            c->plen = len;
            c->pgot = 0;
            c->hgot = 0;
            c->hneed = 2;
            c->pstate = len > 0 ? P_PAYLOAD : P_HEAD;
        } else {
            uint64_t take = c->plen - c->pgot;
            if (take > n) take = n;
            c->pgot += take;
            p += take;
            n -= take;
            if (c->pgot == c->plen) c->pstate = P_HEAD;
        }
    }
    return 0;
}

// After the measurement: reads what each stalled client had left unread, for up to 2 s in all, to see whether the
// server has closed it: a Close frame (a server that closes with the handshake: its Close comes after the unsent
// messages it kept, and its FIN only when the peer answers or its close timeout passes), or the end of the stream or
// a reset (a server that just closes the socket). Returns how many were closed; one that yields nothing for 0.3 s is
// still open.
static int stalled_closed_count(void) {
    int closed = 0;
    double until = now() + 2;
    for (int i = nconns; i < total_conns; i++) {
        struct pollfd pf = {.fd = conns[i].fd, .events = POLLIN};
        while (now() < until && poll(&pf, 1, 300) > 0) {
            ssize_t n = recv(conns[i].fd, rbuf, sizeof rbuf, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ||
                (n > 0 && scan_for_close(&conns[i], rbuf, (size_t)n))) {
                closed++;
                break;
            }
        }
    }
    return closed;
}

// The sum over every -P process of its CPU seconds (rss 0) or its RSS in KiB (rss 1), or -1 if one cannot be read.
static double servers_sum(int rss) {
    double sum = 0;
    for (int i = 0; i < npids; i++) {
        double v = rss ? (double)process_rss_kib(server_pids[i]) : process_cpu_seconds(server_pids[i]);
        if (v < 0) return -1;
        sum += v;
    }
    return sum;
}

// Broadcast mode after every connection is open: the stalled clients stop reading, the readers start the rounds.
static int run_broadcast(void) {
    for (int i = nconns; i < total_conns; i++) {
        if (epoll_ctl(epfd, EPOLL_CTL_DEL, conns[i].fd, NULL) < 0) die("epoll_ctl del");
    }
    next_round();
    double t0 = now();
    while (now() - t0 < warmup && dead == 0) {
        loop_once(100);
        // A server may answer the handshake before the connection has joined the broadcast (subscribed in the
        // handler, say), so a first round can miss someone for good: in the warm-up a round during which nothing
        // has arrived for 0.5 s is given up (its late messages are ignored) and a new one started.
        if (now() - last_progress > 0.5) {
            abandoned_upto = round_no;
            next_round();
        }
    }
    uint64_t c0 = completed, r0 = rounds_done;
    double cpu0 = cpu_seconds();
    double scpu0 = server_pid ? servers_sum(0) : -1;
    long rss_max = server_pid ? (long)servers_sum(1) : -1;
    double m0 = now(), sampled = m0;
    measuring = 1;
    while (now() - m0 < duration && dead == 0) {
        loop_once(100);
        if (server_pid && now() - sampled >= 0.2) {
            long rss = (long)servers_sum(1);
            if (rss > rss_max) rss_max = rss;
            sampled = now();
        }
    }
    measuring = 0;
    double m1 = now();
    double cpu1 = cpu_seconds();
    double scpu1 = server_pid ? servers_sum(0) : -1;
    long rss_end = server_pid ? (long)servers_sum(1) : -1;
    if (rss_end > rss_max) rss_max = rss_end;
    uint64_t d = completed - c0;
    double secs = m1 - m0;
    int closed = stalled_closed_count();
    printf("RESULT mode=broadcast clients=%d stalled=%d size=%zu rounds=%llu deliveries=%llu secs=%.3f "
           "deliveries_per_sec=%.1f rounds_per_sec=%.2f loadgen_cpu_pct=%.1f errors=%llu",
           nconns, stalled, size, (unsigned long long)(rounds_done - r0), (unsigned long long)d, secs, d / secs,
           (rounds_done - r0) / secs, 100.0 * (cpu1 - cpu0) / secs, (unsigned long long)errors);
    if (scpu0 >= 0 && scpu1 >= 0) {
        double used = scpu1 - scpu0;
        printf(" server_cpu_pct=%.1f deliveries_per_server_cpu_sec=%.1f", 100.0 * used / secs, used > 0 ? d / used : 0);
    }
    if (server_pid) printf(" server_rss_kib=%ld server_rss_max_kib=%ld", rss_end, rss_max);
    printf(" latency_p50_us=%.0f latency_p99_us=%.0f", lat_percentile(lat_all, 0.50), lat_percentile(lat_all, 0.99));
    if (nports > 1)
        printf(" remote_latency_p50_us=%.0f remote_latency_p99_us=%.0f", lat_percentile(lat_remote, 0.50),
               lat_percentile(lat_remote, 0.99));
    printf(" senders_per_round=%d stalled_closed=%d\n", one_sender ? 1 : nconns, closed);
    return errors ? 1 : 0;
}

// A comma-separated list of positive numbers into out (at most max); returns how many, or 0 if malformed.
static int parse_list(const char *arg, int *out, int max) {
    int n = 0;
    const char *p = arg;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v <= 0 || v > 0x7FFFFFFF || n == max || (*end && *end != ',')) return 0;
        out[n++] = (int)v;
        p = *end ? end + 1 : end;
    }
    return n;
}

static void usage(void) {
    fprintf(stderr, "usage: loadgen -p PORT [-h HOST] [-c CONNS] [-s SIZE] [-w WARMUP_S] [-d SECONDS] [-u PATH] "
                    "[-o OPENING] [-P PID] [-x] [-B] [-z|--deflate [-T] [-W BITS]] | -p PORT -i CONNS [-t HOLD_S] "
                    "[-e [-s SIZE] [-x] [-z [-T] [-W BITS]]]\n"
                    "       loadgen -b -p PORT[,PORT...] [-c CLIENTS] [-s SIZE>=8] [-S STALLED] [-O] [-B] [-w WARMUP_S] [-d SECONDS] "
                    "[-P PID[,PID...]]\n");
    exit(2);
}

// Idle mode with -e: one message each way on every connection, one connection at a time, each echo awaited (10 s at
// most). Returns 0, or 3 (printed) when one did not come back.
static int echo_each(void) {
    for (int i = 0; i < nconns; i++) {
        uint64_t want = completed + 1;
        double until = now() + 10;
        send_message(&conns[i]);
        while (completed < want && dead == 0 && now() < until) loop_once(100);
        if (completed < want) {
            fprintf(stderr, "loadgen: connection %d: no echo\n", i);
            return 3;
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--deflate") == 0) argv[i] = "-z";
    }
    int opt;
    while ((opt = getopt(argc, argv, "h:p:c:s:w:d:u:o:i:t:P:zTexbS:W:OB")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': nports = parse_list(optarg, ports, MAX_PORTS); port = nports ? ports[0] : 0; break;
        case 'c': nconns = atoi(optarg); break;
        case 's': size = strtoull(optarg, NULL, 10); break;
        case 'w': warmup = atof(optarg); break;
        case 'd': duration = atof(optarg); break;
        case 'u': path = optarg; break;
        case 'o': opening = atoi(optarg); break;
        case 'i': idle_mode = 1; nconns = atoi(optarg); break;
        case 't': hold = atof(optarg); break;
        case 'P': npids = parse_list(optarg, server_pids, MAX_PIDS); server_pid = npids ? server_pids[0] : 0; break;
        case 'z': deflate_mode = 1; break;
        case 'T': offer_takeover = 1; break;
        case 'W': client_window_bits = atoi(optarg); break;
        case 'e': echo_once = 1; break;
        case 'x': text_mode = 1; msg_opcode = 1; break;
        case 'b': broadcast_mode = 1; break;
        case 'S': stalled = atoi(optarg); break;
        case 'O': one_sender = 1; break;
        case 'B': busy_poll = 1; break;
        default: usage();
        }
    }
    if (port <= 0 || nconns <= 0 || opening <= 0 || stalled < 0) usage();
    if (client_window_bits && (client_window_bits < 9 || client_window_bits > 15 || !deflate_mode)) usage();
    if (broadcast_mode && (idle_mode || deflate_mode || text_mode || size < 8)) {
        fprintf(stderr, "loadgen: -b takes binary messages of 8 bytes or more, without -i, -z or -x\n");
        return 2;
    }
    if ((stalled || one_sender || nports > 1) && !broadcast_mode) usage();
    total_conns = nconns + stalled;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    conns = calloc(total_conns, sizeof *conns);
    payload = malloc(size ? size : 1);
    if (!conns || !payload) die("malloc");
    if (deflate_mode) {
        fill_text(payload, size);
        compress_payload();
        max_compressed = size + size / 8 + 1024;
        inflated = malloc(size + 1);
        if (!inflated) die("malloc");
    } else if (text_mode) {
        fill_text(payload, size); // ASCII: valid UTF-8 wherever it is cut
        wire = payload;
        wire_size = size;
    } else {
        uint64_t x = 0x9E3779B97F4A7C15ULL; // xorshift: incompressible, reproducible payload
        for (size_t i = 0; i < size; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            payload[i] = (unsigned char)x;
        }
        wire = payload;
        wire_size = size;
    }
    seen_words = (nconns + 63) / 64;
    if (broadcast_mode && !(sent_at = calloc(nconns, sizeof *sent_at))) die("calloc");
    for (int i = 0; i < total_conns; i++) {
        conns[i].hneed = 2;
        if (!idle_mode || echo_once) build_frame(&conns[i], 0x5A3C9E17u * (uint32_t)(i + 1));
        if (broadcast_mode && !(conns[i].seen = calloc(seen_words, sizeof(uint64_t)))) die("calloc");
    }
    char offer[200] = "";
    if (deflate_mode) {
        char cmwb[40] = "";
        if (client_window_bits) snprintf(cmwb, sizeof cmwb, "; client_max_window_bits=%d", client_window_bits);
        snprintf(offer, sizeof offer, "Sec-WebSocket-Extensions: permessage-deflate%s%s\r\n",
                 offer_takeover ? "" : "; client_no_context_takeover; server_no_context_takeover", cmwb);
    }
    request_len = snprintf(request, sizeof request,
                           "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
                           path, host, port, offer);

    open_all(now() + 60);
    if (dead > 0) {
        fprintf(stderr, "loadgen: %d connections failed to open\n", dead);
        return 3;
    }
    if (idle_mode && echo_once && echo_each() != 0) return 3;
    if (idle_mode) {
        printf("IDLE_READY %d\n", open_ok);
        fflush(stdout);
        double until = now() + hold;
        struct pollfd in = {.fd = 0, .events = POLLIN};
        while (now() < until) {
            loop_once(0);
            if (dead > 0) {
                fprintf(stderr, "loadgen: %d idle connections were closed by the server\n", dead);
                return 3;
            }
            if (poll(&in, 1, 200) > 0) {
                char b[64];
                ssize_t got = read(0, b, sizeof b);
                if (got <= 0) break; // stdin closed: done
                // 'e' (with -e): one more message each way on every connection, then "AGAIN_READY n"
                if (echo_once && memchr(b, 'e', (size_t)got)) {
                    if (echo_each() != 0) return 3;
                    printf("AGAIN_READY %d\n", open_ok);
                    fflush(stdout);
                }
            }
        }
        return 0;
    }

    if (broadcast_mode) return run_broadcast();
    for (int i = 0; i < nconns; i++) send_message(&conns[i]);
    double t0 = now();
    while (now() - t0 < warmup) loop_once(100);
    uint64_t c0 = completed;
    double cpu0 = cpu_seconds();
    double scpu0 = server_pid ? process_cpu_seconds(server_pid) : -1;
    double m0 = now();
    while (now() - m0 < duration) {
        loop_once(100);
        if (dead > 0) break;
    }
    double m1 = now();
    double cpu1 = cpu_seconds();
    double scpu1 = server_pid ? process_cpu_seconds(server_pid) : -1;
    uint64_t msgs = completed - c0;
    double secs = m1 - m0;
    printf("RESULT conns=%d size=%zu kind=%s msgs=%llu secs=%.3f msgs_per_sec=%.1f mib_per_sec=%.2f "
           "loadgen_cpu_pct=%.1f errors=%llu",
           nconns, size, text_mode ? "text" : "binary", (unsigned long long)msgs, secs, msgs / secs, msgs * (double)size / secs / (1 << 20),
           100.0 * (cpu1 - cpu0) / secs, (unsigned long long)errors);
    if (scpu0 >= 0 && scpu1 >= 0) {
        double used = scpu1 - scpu0;
        printf(" server_cpu_pct=%.1f msgs_per_server_cpu_sec=%.1f", 100.0 * used / secs, used > 0 ? msgs / used : 0);
    }
    if (deflate_mode) printf(" deflate=1 wire_size=%zu", wire_size);
    printf("\n");
    return errors ? 1 : 0;
}
