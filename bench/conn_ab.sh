#!/usr/bin/env bash
# bench/conn_ab.sh REV — the connection layer of this tree against REV's, in the same JVM (same-run ratios):
#   1. CPU time per echoed message through WebSocket.readFrame + writeFrame over in-memory streams (server role,
#      masked binary frames of 20 B, 1 KiB, 16 KiB), the two builds in two class loaders with rounds alternated,
#      run in both load orders (the first-loaded build tends to be a few % slower: read the two orders together);
#   2. what an idle server connection parked in readFrame over an EventLoop holds (ParkedFootprint: 500
#      connections, one echo each): jdk.internal.vm.StackChunk bytes and io.fastwebsockets.* bytes per connection,
#      all code interpreted (-Xint) and all compiled (-Xcomp), and the parked stack's frames.
# Wrap it in `flock /tmp/fastws-heavy.lock` on a shared machine. Env: ROUNDS (15).
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${1:?usage: bench/conn_ab.sh REV}
ROUNDS=${ROUNDS:-15}
JAVA_HOME=$(./fastws mvn -v | sed -n 's/^Java version: .*, runtime: //p' | head -n1)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
git archive "$REV" | tar -x -C "$OUT" --one-top-level=base
(cd "$OUT/base" && ./fastws mvn -q -pl fastwebsockets-core -am compile) >&2
./fastws mvn -q -pl fastwebsockets-core -am compile >&2
A=$OUT/base/fastwebsockets-core/target/classes
B=$PWD/fastwebsockets-core/target/classes
mkdir -p "$OUT/a" "$OUT/b" "$OUT/ab"
for side in a b; do
  cp=$A; [ "$side" = b ] && cp=$B
  "$JAVA_HOME/bin/javac" -d "$OUT/$side" -cp "$cp" bench/conn/ConnRound.java bench/conn/ParkedFootprint.java
done
"$JAVA_HOME/bin/javac" -d "$OUT/ab" bench/conn/AB.java
echo "A = $REV, B = this tree; CPU ns per echoed message, medians of $ROUNDS alternated rounds"
for c in "20 1000000" "1024 500000" "16384 100000"; do
  set -- $c
  "$JAVA_HOME/bin/java" -Xms512m -cp "$OUT/ab" AB "$1" "$2" "$ROUNDS" "$OUT/a:$A" "$OUT/b:$B" | cut -d'(' -f1
  echo "  loaded in the other order (A = this tree, B = $REV):"
  "$JAVA_HOME/bin/java" -Xms512m -cp "$OUT/ab" AB "$1" "$2" "$ROUNDS" "$OUT/b:$B" "$OUT/a:$A" | cut -d'(' -f1 | sed 's/^/  /'
done
for mode in -Xint -Xcomp; do
  for side in a b; do
    cp=$OUT/$side:$A; name=$REV; [ "$side" = b ] && cp=$OUT/$side:$B && name="this tree"
    echo "$name $mode:"
    "$JAVA_HOME/bin/java" $mode -XX:+UnlockDiagnosticVMOptions -XX:+ShowHiddenFrames -Xms256m -cp "$cp" \
      ParkedFootprint 500 1 | grep -E 'frames|StackChunk|total|WebSocket|Closing|ReadBuffer|LoopTransport' | sed 's/^/  /'
  done
done
