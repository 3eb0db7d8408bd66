#!/usr/bin/env bash
# The core issue's closing window: every target measured in one sequential run (README,
# "The core issue's targets, in one window"). Needs, besides this tree's benchmark jar:
#   /tmp/df50074.jar  - df50074's benchmark jar with docs/results/df50074-RunOnlyBenchmark.java.txt
#                       copied in (git worktree add /tmp/wt-df df50074; copy; mvn -q -o -DskipTests package)
#   /tmp/wt-df        - that worktree (its ./apboot launcher and CLI jar)
#   /tmp/dfalloc      - docs/results/df50074-AllocSplitDf.java.txt saved as AllocSplitDf.java and
#                       compiled there with javac -cp /tmp/df50074.jar
#   /tmp/ap           - async-profiler 4.1 (linux-x64), for the profiles at the end
#   bochs, python3-unicorn (Debian) for the peers
set -u
cd "$(dirname "$0")/../.."
R=docs/results
J=benchmarks/target/benchmarks.jar
DF=/tmp/df50074.jar
J25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
BOOT="-p aps=4096 -p cache=warm -p cpu=generic -f 2 -wi 3 -w 1 -i 5 -r 1"
log() { echo "$(date -u +%H:%M:%S) $*"; }
log start; uptime
for n in 1 2; do
  log "bring-up df50074 $n"
  java -jar $DF RunOnly -f 2 -wi 3 -w 1 -i 5 -r 1 -jvmArgsAppend "-Xmx2g -Xmn1g" -rf json -rff $R/close-df50074-$n.json > /tmp/close-df-$n.log 2>&1
  log "bring-up head $n"
  java -jar $J '\.BootBenchmark\.' $BOOT -p threads=1 -p work=none -p engine=interp,jit -p path=sipi,mailbox64 -rf json -rff $R/close-head-$n.json > /tmp/close-head-$n.log 2>&1
done
log "bring-up head on JDK 25"
java -jar $J '\.BootBenchmark\.' $BOOT -p threads=1 -p work=none -p engine=interp,jit -p path=sipi,mailbox64 -jvm $J25 -rf json -rff $R/close-head-jdk25.json > /tmp/close-head-jdk25.log 2>&1
log "physical memory 17 and 25"
java -jar $J PhysicalMemoryBenchmark -f 1 -wi 2 -w 1 -i 3 -r 1 -rf json -rff $R/close-physmem-jdk17.json > /tmp/close-pm17.log 2>&1
java -jar $J PhysicalMemoryBenchmark -f 1 -wi 2 -w 1 -i 3 -r 1 -jvm $J25 -rf json -rff $R/close-physmem-jdk25.json > /tmp/close-pm25.log 2>&1
log "threads head 4096"
java -jar $J '\.BootBenchmark\.' $BOOT -p threads=1,2 -p work=none,calibrate -p engine=interp,jit -p path=sipi,mailbox64 -rf json -rff $R/close-threads.json > /tmp/close-threads.log 2>&1
log "threads head 64"
java -jar $J '\.BootBenchmark\.' -p aps=64 -p cache=warm -p cpu=generic -f 2 -wi 3 -w 1 -i 5 -r 1 -p threads=1,2 -p work=none -p engine=interp,jit -p path=sipi,mailbox64 -rf json -rff $R/close-threads-64.json > /tmp/close-threads64.log 2>&1
log "cli 16384 pairs"
out=$R/close-cli-16384.txt
echo "wall time (guest run, s) of 'apboot boot --aps 16384 --engine interp --path P --threads T', df50074 (its own launcher; interpreter only) and this tree, alternated; $(date -u)" > $out
for i in 1 2 3 4 5; do
  for p in sipi mailbox64; do
    for t in 1 2; do
      a=$(/tmp/wt-df/apboot boot --aps 16384 --path $p --threads $t 2>&1 | awk '/wall time/{print $3}')
      b=$(./apboot boot --aps 16384 --path $p --threads $t --engine interp 2>&1 | awk '/wall time/{print $3}')
      echo "pair $i $p threads=$t df50074 $a head $b" >> $out
    done
  done
done
log "alloc"
out=$R/close-alloc.txt
echo "bytes allocated per AP, 4096 APs, one host thread, by round (the last rounds are the steady state); $(date -u)" > $out
for p in SIPI MAILBOX64; do java -Xmx2g -Xmn1g -cp $DF:/tmp/dfalloc AllocSplitDf $p 4096 8 >> $out; done
for p in sipi mailbox64; do for e in interp jit; do for c in warm cold; do java -Xmx2g -Xmn1g -cp $J org.apboot.bench.AllocationSplit $p $e 4096 8 $c >> $out; done; done; done
java -jar $DF RunOnly -f 1 -wi 2 -w 1 -i 3 -r 1 -jvmArgsAppend "-Xmx2g -Xmn1g" -prof gc -rf json -rff $R/close-gc-df50074.json > /tmp/close-gc-df.log 2>&1
java -jar $J '\.BootBenchmark\.' -p aps=4096 -p cache=warm -p threads=1 -p cpu=generic -p work=none -p engine=interp,jit -p path=sipi,mailbox64 -f 1 -wi 2 -w 1 -i 3 -r 1 -prof gc -rf json -rff $R/close-gc-head.json > /tmp/close-gc-head.log 2>&1
log "loops interp+jit"
java -jar $J '\.GuestLoopBenchmark\.' -f 2 -wi 3 -w 2 -i 5 -r 2 -p engine=interp,jit -rf json -rff $R/close-loops.json > /tmp/close-loops.log 2>&1
log "bochs"
benchmarks/peers/bochs_loops.sh 3 > $R/close-bochs-loops.txt 2>&1
log "unicorn"
/usr/bin/python3 benchmarks/peers/unicorn_loops.py 5 > $R/close-unicorn-loops.txt 2>&1
log "profiles"
for pe in "sipi interp" "mailbox64 interp" "sipi jit"; do
  set -- $pe
  java -Xmx2g -Xmn1g -agentpath:/tmp/ap/linux-x64/libasyncProfiler.so=start,event=itimer,interval=500us,file=/tmp/close-prof-$1-$2.collapsed,collapsed -cp $J org.apboot.bench.RepeatedBringUp $1 4096 $2 25 >> /tmp/close-prof.log 2>&1
done
log done; uptime
