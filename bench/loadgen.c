// loadgen — the echo benchmark's load generator: one epoll thread, N WebSocket connections, one message in flight
// on each. Every connection sends one masked binary message of S bytes, waits for the whole echo (verifying every
// byte), then sends the next. Prints messages/second over the measurement window and its own CPU use, so a reader
// can see it was not the bottleneck.
//
//   loadgen -p PORT [-h 127.0.0.1] [-c CONNS] [-s SIZE] [-w WARMUP_S] [-d SECONDS] [-u PATH] [-o OPENING] [-P PID]
//     -P PID: also report the CPU the server process PID used over the measurement window (/proc/PID/stat), and
//             messages per server CPU-second: the server's efficiency, which still compares servers when the
//             load generator's own core is what limits the rate
//   loadgen -p PORT -i CONNS [-t HOLD_S]      idle mode: open CONNS connections, print "IDLE_READY n", hold them
//                                             until stdin closes or HOLD_S seconds pass, then close them
//
// Build: gcc -O2 -Wall -o bench/target/loadgen bench/loadgen.c   (bench/echo.sh does this)
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
};

static const char *host = "127.0.0.1";
static int port = 0;
static int nconns = 100;
static size_t size = 20;
static double warmup = 2, duration = 5, hold = 3600;
static const char *path = "/";
static int opening = 64; // handshakes in flight at once
static int idle_mode = 0;
static int server_pid = 0;

static unsigned char *payload; // what every message carries, unmasked
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
    size_t h = 2 + (size < 126 ? 0 : size <= 0xFFFF ? 2 : 8) + 4;
    c->frame_len = h + size;
    c->frame = malloc(c->frame_len);
    if (!c->frame) die("malloc");
    unsigned char *f = c->frame;
    f[0] = 0x82; // fin, binary
    if (size < 126) {
        f[1] = 0x80 | (unsigned char)size;
    } else if (size <= 0xFFFF) {
        f[1] = 0x80 | 126;
        f[2] = size >> 8;
        f[3] = size;
    } else {
        f[1] = 0x80 | 127;
        for (int i = 0; i < 8; i++) f[2 + i] = (uint64_t)size >> (56 - 8 * i);
    }
    unsigned char k[4] = {key >> 24, key >> 16, key >> 8, key};
    memcpy(f + h - 4, k, 4);
    for (size_t i = 0; i < size; i++) f[h + i] = payload[i] ^ k[i & 3];
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

static void start_conn(struct conn *c) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
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
            int l7 = c->head[1] & 0x7F;
            uint64_t len = l7;
            if (l7 == 126) len = (uint64_t)c->head[2] << 8 | c->head[3];
            if (l7 == 127) {
                len = 0;
                for (int i = 0; i < 8; i++) len = len << 8 | c->head[2 + i];
            }
            c->fin = c->head[0] >> 7;
            c->opcode = c->head[0] & 0x0F;
            c->plen = len;
            c->pgot = 0;
            c->pstate = P_PAYLOAD;
            if (c->opcode == 8) {
                kill_conn(c, "the server sent Close");
                return -1;
            }
            if (c->opcode == 1 || c->opcode == 2) {
                if (c->in_msg) {
                    kill_conn(c, "new message inside a fragmented one");
                    return -1;
                }
                c->in_msg = 1;
                c->msg_got = 0;
            } else if (c->opcode == 0 && !c->in_msg) {
                kill_conn(c, "continuation without a message");
                return -1;
            }
        }
        // payload
        uint64_t take = c->plen - c->pgot;
        if (take > n) take = n;
        if (c->opcode <= 2) {
            if (c->msg_got + take > size) {
                kill_conn(c, "echo longer than the message sent");
                return -1;
            }
            if (memcmp(p, payload + c->msg_got, take) != 0) {
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
                if (c->msg_got != size) {
                    kill_conn(c, "echo shorter than the message sent");
                    return -1;
                }
                completed++;
                if (send_message(c) < 0) return -1;
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
    int n = epoll_wait(epfd, evs, 1024, timeout_ms);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < n; i++) on_event(evs[i].data.ptr, evs[i].events);
}

// Opens every connection, at most `opening` handshakes in flight; returns when all are open (or dead).
static void open_all(double deadline) {
    while (open_ok + dead < nconns) {
        while (opened < nconns && opened - open_ok - dead < opening) start_conn(&conns[opened]);
        loop_once(100);
        if (now() > deadline) {
            fprintf(stderr, "loadgen: only %d of %d connections opened in time\n", open_ok, nconns);
            exit(3);
        }
    }
}

static void usage(void) {
    fprintf(stderr, "usage: loadgen -p PORT [-h HOST] [-c CONNS] [-s SIZE] [-w WARMUP_S] [-d SECONDS] [-u PATH] "
                    "[-o OPENING] | -p PORT -i CONNS [-t HOLD_S]\n");
    exit(2);
}

int main(int argc, char **argv) {
    int opt;
    while ((opt = getopt(argc, argv, "h:p:c:s:w:d:u:o:i:t:P:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'c': nconns = atoi(optarg); break;
        case 's': size = strtoull(optarg, NULL, 10); break;
        case 'w': warmup = atof(optarg); break;
        case 'd': duration = atof(optarg); break;
        case 'u': path = optarg; break;
        case 'o': opening = atoi(optarg); break;
        case 'i': idle_mode = 1; nconns = atoi(optarg); break;
        case 't': hold = atof(optarg); break;
        case 'P': server_pid = atoi(optarg); break;
        default: usage();
        }
    }
    if (port <= 0 || nconns <= 0 || opening <= 0) usage();
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    conns = calloc(nconns, sizeof *conns);
    payload = malloc(size ? size : 1);
    if (!conns || !payload) die("malloc");
    uint64_t x = 0x9E3779B97F4A7C15ULL; // xorshift: incompressible, reproducible payload
    for (size_t i = 0; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        payload[i] = (unsigned char)x;
    }
    for (int i = 0; i < nconns; i++) {
        conns[i].hneed = 2;
        if (!idle_mode) build_frame(&conns[i], 0x5A3C9E17u * (uint32_t)(i + 1));
    }
    request_len = snprintf(request, sizeof request,
                           "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                           path, host, port);

    open_all(now() + 60);
    if (dead > 0) {
        fprintf(stderr, "loadgen: %d connections failed to open\n", dead);
        return 3;
    }
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
                if (read(0, b, sizeof b) <= 0) break; // stdin closed: done
            }
        }
        return 0;
    }

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
    printf("RESULT conns=%d size=%zu msgs=%llu secs=%.3f msgs_per_sec=%.1f mib_per_sec=%.2f loadgen_cpu_pct=%.1f "
           "errors=%llu",
           nconns, size, (unsigned long long)msgs, secs, msgs / secs, msgs * (double)size / secs / (1 << 20),
           100.0 * (cpu1 - cpu0) / secs, (unsigned long long)errors);
    if (scpu0 >= 0 && scpu1 >= 0) {
        double used = scpu1 - scpu0;
        printf(" server_cpu_pct=%.1f msgs_per_server_cpu_sec=%.1f", 100.0 * used / secs, used > 0 ? msgs / used : 0);
    }
    printf("\n");
    return errors ? 1 : 0;
}
