#!/usr/bin/env bash
# bench/jmh.sh — build the JMH benchmarks and run them pinned to one CPU, side by side with Netty.
#   bench/jmh.sh                      the whole suite, Netty with its JDK 25+ default (no sun.misc.Unsafe)
#   NETTY_UNSAFE=1 bench/jmh.sh       the same, with Unsafe allowed (Netty's faster paths on JDK 24+)
#   bench/jmh.sh 'DecodeBench' -p size=1024 -prof gc    any JMH arguments after the defaults (a regex first)
# Env: CPU (default 1, the core to pin to), FORKS (1), WI (3), I (5), W (1s), R (1s), OUT (results JSON file),
#      SKIP_BUILD=1 to reuse target/benchmarks.jar.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  ./fastws mvn -q -pl fastwebsockets-bench -am package -DskipTests >&2
fi
# The launcher's JDK lookup, without building anything: the java that ./fastws would use.
JAVA_HOME=$(./fastws mvn -v | sed -n 's/^Java version: .*, runtime: //p' | head -n1)
JAVA=$JAVA_HOME/bin/java
JVM_ARGS="-Xms1g -Xmx1g -Dio.netty.leakDetection.level=disabled --enable-native-access=ALL-UNNAMED"  # native access: zlib through FFM (DeflateWindowBench)
if [ "${NETTY_UNSAFE:-0}" = 1 ]; then
  JVM_ARGS="$JVM_ARGS --sun-misc-unsafe-memory-access=allow"
fi
OUT=${OUT:-fastwebsockets-bench/target/jmh-result.json}
set -x
exec taskset -c "${CPU:-1}" "$JAVA" -jar fastwebsockets-bench/target/benchmarks.jar \
  -f "${FORKS:-1}" -wi "${WI:-3}" -i "${I:-5}" -w "${W:-1s}" -r "${R:-1s}" \
  -jvmArgsAppend "$JVM_ARGS" -rf json -rff "$OUT" "$@"
