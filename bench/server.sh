#!/usr/bin/env bash
# bench/server.sh — start one echo server of the end-to-end echo benchmark (issue 4); see bench/README.md.
#   bench/server.sh NAME [--host H] [--port P] [extra args]
#     NAME: ours-raw | ours-collector | ours-listener | ours-raw-jdk-poller | servlet-tomcat | servlet-jetty | netty | jetty | helidon |
#           java-websocket
#           over the native transport (nativeTransport(true): FFM sockets and epoll instead of the JDK's
#           SocketChannel; Linux, Java 22+): ours-native-raw | ours-native-collector | ours-native-listener
#           the servlet echo on its other routes: servlet-tomcat-events | servlet-jetty-events (the container's own
#           non-blocking I/O and events, as over TLS) | servlet-tomcat-streams (the Servlet spec's blocking streams)
#           | servlet-tomcat-bare | servlet-jetty-bare (memory only: a container's bare upgraded connection)
#           the ceiling, not a competitor (bench/floor.c, a minimal C server): c-floor (read/write) | c-floor-sr (recv/send)
#           | c-floor-lean (the memory floor: buffers freed while empty)
#           Spring Boot 4.0.7 apps, echo at /echo (echo.sh passes the path): spring-fastws | spring-fastws-jetty (./fastws
#           spring-echo, our starter) | spring-websocket (the same echo with Spring's own WebSocket, JSR 356 on Tomcat)
#           with permessage-deflate: ours-raw-deflate | ours-collector-deflate | ours-listener-deflate | netty-deflate |
#           jetty-deflate
#           broadcast servers of the fan-out benchmark (bench/fanout.sh: every message to every client):
#           ours-broadcast | ours-broadcast-native (over the native transport) | netty-broadcast | jetty-broadcast | helidon-broadcast | c-floor-broadcast | Netty flushing
#           once per channel and event-loop tick (netty-broadcast flushes per message) or through Netty's own
#           FlushConsolidationHandler: netty-broadcast-batched | netty-broadcast-consolidated; batched and each
#           message framed once for all channels: netty-broadcast-framed-once
#           (all but helidon take --max-backlog BYTES; ours-broadcast also --redis redis://HOST:PORT: a cluster
#           node, bench/cluster.sh)
#     NAME@CHECKOUT (servlet-* names only): the same servlet row built from another checkout of this repository (an
#     older commit, in a worktree of its own: `git worktree add --detach DIR REV`), e.g. servlet-jetty@/tmp/before,
#     for a before/after table in one run; its fastwebsockets-servlet module is built there (test classpath: the
#     containers are test dependencies of that module) and its ServletEcho run.
#     --port 0 (the default) binds an ephemeral port; the server prints exactly one line `LISTENING <port>` to
#     stdout once it accepts connections (diagnostics go to stderr), then runs until killed (SIGTERM).
#     Extra args go to the server's main, e.g. `bench/server.sh netty --threads 2` or `--transport nio`.
# Env: BENCH_JVM_OPTS  JVM options, the same for every server (default below);
#      BENCH_CPU       pin the server to these CPUs with taskset (e.g. BENCH_CPU=1); unset: no pinning here;
#      BENCH_JAVA      the java binary (default: the JDK that ./fastws finds, as bench/jmh.sh does);
#      SKIP_BUILD=1    never build, use what fastwebsockets-bench/target holds.
# The module (and the runtime classpath, from Maven) is rebuilt only when a source file or pom is newer than it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

usage() { sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
name=$1; shift
props=()
checkout=
case "$name" in *@*) checkout=${name#*@}; name=${name%%@*} ;; esac
case "$name" in
  ours-raw)       main=OursEchoServer; args=(--mode raw) ;;
  ours-collector) main=OursEchoServer; args=(--mode collector) ;;
  ours-listener)  main=OursEchoServer; args=(--mode listener) ;;  # event-style Listener: no thread while idle
  ours-raw-jdk-poller) main=OursEchoServer; args=(--mode raw --event-loops 0) ;;  # no EventLoop: the JDK's poller
  ours-native-raw|ours-native-collector|ours-native-listener)  # the server's native transport (issue 21)
    main=OursEchoServer; args=(--mode "${name#ours-native-}" --transport native) ;;
  ours-raw-deflate) main=OursEchoServer; args=(--mode raw --deflate on) ;;
  ours-collector-deflate) main=OursEchoServer; args=(--mode collector --deflate on) ;;
  ours-listener-deflate) main=OursEchoServer; args=(--mode listener --deflate on) ;;
  netty-deflate)  main=NettyEchoServer; args=(--deflate on) ;;
  jetty-deflate)  main=JettyEchoServer; args=() ;;  # the same server as jetty: Jetty accepts permessage-deflate by default
  servlet-tomcat) main=servlet; args=(--container tomcat) ;;  # fastwebsockets-servlet's echo in embedded Tomcat 11
  servlet-jetty)  main=servlet; args=(--container jetty) ;;   # the same in embedded Jetty 12.1 (ee10)
  servlet-tomcat-bare) main=BareUpgradeServer; args=(--container tomcat) ;;  # the container's own share (memory:
  servlet-jetty-bare)  main=BareUpgradeServer; args=(--container jetty) ;;   # 101, then nothing; echoes nothing)
  servlet-tomcat-events|servlet-jetty-events|servlet-tomcat-streams)  # one route forced (docs/servlet.md)
    main=servlet; c=${name#servlet-}; args=(--container "${c%%-*}"); props=(-Dio.fastwebsockets.servlet.io="${c#*-}")
    [ "${c#*-}" = events ] && props=(-Dio.fastwebsockets.servlet.io=container) ;;
  spring-fastws|spring-fastws-jetty)  # fastwebsockets-spring-example, as ./fastws spring-echo runs it
    main=spring; smod=fastwebsockets-spring-example; fqcn=io.fastwebsockets.spring.example.SpringEcho
    c=tomcat; [ "$name" = spring-fastws-jetty ] && c=jetty; args=(--container "$c") ;;
  spring-websocket)  # the same echo with spring-boot-starter-websocket (fastwebsockets-spring-peer)
    main=spring; smod=fastwebsockets-spring-peer; fqcn=io.fastwebsockets.spring.peer.SpringWebSocketEcho; args=() ;;
  netty)          main=NettyEchoServer; args=() ;;
  jetty)          main=JettyEchoServer; args=() ;;
  helidon)        main=HelidonEchoServer; args=() ;;
  java-websocket) main=JavaWebSocketEchoServer; args=() ;;
  ours-broadcast)    main=OursBroadcastServer; args=() ;;  # what ./fastws broadcast-server runs (issue 14's topics)
  ours-broadcast-native) main=OursBroadcastServer; args=(--transport native) ;;  # the same over the native transport
  netty-broadcast)   main=NettyBroadcastServer; args=() ;;  # --flush each: ChannelGroup.writeAndFlush per message
  netty-broadcast-batched) main=NettyBroadcastServer; args=(--flush batched) ;;  # group.write, a flush per loop tick
  netty-broadcast-consolidated) main=NettyBroadcastServer; args=(--flush consolidated) ;;  # FlushConsolidationHandler
  netty-broadcast-framed-once) main=NettyBroadcastServer; args=(--flush batched --frame once) ;;  # + one frame for all
  jetty-broadcast)   main=JettyBroadcastServer; args=() ;;
  helidon-broadcast) main=HelidonBroadcastServer; args=() ;;
  c-floor|c-floor-sr|c-floor-lean|c-floor-broadcast)  # no JVM: build bench/floor.c when it changed and run it
    mkdir -p bench/target
    if [ ! -x bench/target/floor ] || [ bench/floor.c -nt bench/target/floor ]; then
      gcc -O2 -Wall -o bench/target/floor bench/floor.c
    fi
    sc=rw; [ "$name" = c-floor-sr ] && sc=sr
    bc=(); [ "$name" = c-floor-broadcast ] && bc=(--broadcast)
    [ "$name" = c-floor-lean ] && bc=(--lean)  # the memory floor: buffers only while bytes are in them
    pin=(); [ -n "${BENCH_CPU:-}" ] && pin=(taskset -c "$BENCH_CPU")
    exec "${pin[@]}" bench/target/floor --syscalls "$sc" "${bc[@]}" "$@" ;;
  -h|--help|help) usage ;;
  *) echo "server.sh: unknown server '$name'" >&2; usage ;;
esac

# One set of options for all. Beyond the heap they only matter to Netty (no other server here uses
# sun.misc.Unsafe, JNI or Netty's buffers): Unsafe is what Netty asks for on JDK 24+, where it is off by default;
# native access keeps the epoll transport's JNI load from warning; leak detection off as in bench/jmh.sh (Netty
# samples 1 buffer in 128 by default). Override the whole set to measure something else, e.g. Netty as JDK 25 and
# Netty leave it: BENCH_JVM_OPTS="-Xms512m -Xmx2g".
BENCH_JVM_OPTS=${BENCH_JVM_OPTS:--Xms512m -Xmx2g --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED -Dio.netty.leakDetection.level=disabled}

if [ "$main" = spring ]; then
  # A Boot application of its own module, with its own runtime classpath (Boot manages its Tomcat and Jetty
  # versions); built when missing or older than its sources, even with SKIP_BUILD=1 when missing.
  SCP=$smod/target/bench-classpath.txt
  if [ ! -f "$SCP" ] || { [ "${SKIP_BUILD:-0}" != 1 ] && [ -n "$(find fastwebsockets-core/src/main \
       fastwebsockets-servlet/src/main fastwebsockets-spring-boot-starter/src/main "$smod/src/main" "$smod/pom.xml" \
       -newer "$SCP" -type f 2>/dev/null | head -n1)" ]; }; then
    echo "server.sh: building $smod" >&2
    ./fastws mvn -q -pl "$smod" -am test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
      -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=runtime -Dautobahn.skip=true 2>&1 |
      sed 's/\x1b\[[0-9;]*m//g' >&2
  fi
  if [ -z "${BENCH_JAVA:-}" ]; then
    BENCH_JAVA=$(./fastws mvn -v 2>/dev/null | sed -n 's/^Java version: .*, runtime: //p' | head -n1)/bin/java
  fi
  pin=(); [ -n "${BENCH_CPU:-}" ] && pin=(taskset -c "$BENCH_CPU")
  # shellcheck disable=SC2086  # BENCH_JVM_OPTS is a list of options
  exec "${pin[@]}" "$BENCH_JAVA" $BENCH_JVM_OPTS -cp "$ROOT/$smod/target/classes:$(cat "$SCP")" "$fqcn" "${args[@]}" "$@"
fi

if [ -n "$checkout" ]; then # NAME@CHECKOUT: that checkout's servlet module, built there when missing
  [ "$main" = servlet ] || { echo "server.sh: NAME@CHECKOUT is for the servlet-* servers, not $name" >&2; exit 2; }
  checkout=$(cd "$checkout" && pwd)
  SCP=$checkout/fastwebsockets-servlet/target/bench-classpath.txt
  if [ ! -f "$SCP" ]; then
    echo "server.sh: building fastwebsockets-servlet in $checkout" >&2
    (cd "$checkout" && ./fastws mvn -q -pl fastwebsockets-servlet -am test-compile \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -Dmdep.outputFile=target/bench-classpath.txt \
      -Dmdep.includeScope=test -Dautobahn.skip=true 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2)
  fi
  if [ -z "${BENCH_JAVA:-}" ]; then
    BENCH_JAVA=$(./fastws mvn -v 2>/dev/null | sed -n 's/^Java version: .*, runtime: //p' | head -n1)/bin/java
  fi
  pin=(); [ -n "${BENCH_CPU:-}" ] && pin=(taskset -c "$BENCH_CPU")
  # shellcheck disable=SC2086  # BENCH_JVM_OPTS is a list of options
  exec "${pin[@]}" "$BENCH_JAVA" $BENCH_JVM_OPTS "${props[@]}" \
    -cp "$checkout/fastwebsockets-servlet/target/classes:$(cat "$SCP")" io.fastwebsockets.servlet.example.ServletEcho \
    "${args[@]}" "$@"
fi

T=fastwebsockets-bench/target
CPFILE=$T/echo-classpath.txt
mkdir -p "$T"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (
    flock 9  # two server.sh starting at once build once
    if [ ! -f "$CPFILE" ] || [ ! -d "$T/classes/io/fastwebsockets/bench/echo" ] || \
       [ -n "$(find fastwebsockets-core/src/main fastwebsockets-examples/src/main fastwebsockets-bench/src/main \
                 fastwebsockets-redis/src/main fastwebsockets-redis/pom.xml \
                 fastwebsockets-servlet/src/main pom.xml fastwebsockets-core/pom.xml fastwebsockets-examples/pom.xml \
                 fastwebsockets-servlet/pom.xml fastwebsockets-bench/pom.xml \
                 -newer "$CPFILE" -type f 2>/dev/null | head -n1)" ]; then
      echo "server.sh: building fastwebsockets-bench" >&2
      # test-compile (not package: no shaded jar needed; test-compile so that the servlet module resolves core's
      # test-jar, the test kit, from the reactor) and write the runtime classpath, reactor modules as
      # target/classes directories
      ./fastws mvn -q -pl fastwebsockets-bench -am test-compile \
        org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
        -Dmdep.outputFile=target/echo-classpath.txt -Dmdep.includeScope=runtime -Dautobahn.skip=true 2>&1 |
        sed 's/\x1b\[[0-9;]*m//g' >&2
      touch "$CPFILE"
    fi
  ) 9>"$T/.echo-build.lock"
fi
[ -f "$CPFILE" ] || { echo "server.sh: $CPFILE missing; run without SKIP_BUILD=1" >&2; exit 1; }
CP="$ROOT/$T/classes:$(cat "$CPFILE")"

# The java that ./fastws uses (JDK >= 21; 25 here), found the way bench/jmh.sh finds it.
if [ -z "${BENCH_JAVA:-}" ]; then
  JAVA_HOME=$(./fastws mvn -v 2>/dev/null | sed -n 's/^Java version: .*, runtime: //p' | head -n1)
  BENCH_JAVA=$JAVA_HOME/bin/java
fi
pin=()
if [ -n "${BENCH_CPU:-}" ]; then
  pin=(taskset -c "$BENCH_CPU")
fi
if [ "$main" = servlet ]; then
  fqcn=io.fastwebsockets.servlet.example.ServletEcho
else
  fqcn=io.fastwebsockets.bench.echo.$main
fi
# shellcheck disable=SC2086  # BENCH_JVM_OPTS is a list of options
exec "${pin[@]}" "$BENCH_JAVA" $BENCH_JVM_OPTS "${props[@]}" -cp "$CP" "$fqcn" "${args[@]}" "$@"
