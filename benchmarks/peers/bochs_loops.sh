#!/usr/bin/env bash
# The guest loops of GuestLoopBenchmark on Bochs 2.7 (Debian's `bochs`, a C++ interpreter), for a
# side-by-side figure with apboot's interpreter in the same run.
#
# Bochs runs a boot ROM (bochs_loops.S) that enters the loop's mode and spins in the loop. Each
# loop runs twice, for SHORT and LONG seconds of wall time, and is then stopped through Bochs's
# debugger, which prints the instruction count ("Next at t=N"; one tick per instruction).
# The rate is (N_long - N_short) / (LONG - SHORT), so start-up cost cancels out. RUNS such
# pairs per loop; the median is printed.
#
# Usage: benchmarks/peers/bochs_loops.sh [RUNS] [SHORT] [LONG]     (defaults 3, 2, 8)
set -euo pipefail
runs="${1:-3}"; short="${2:-2}"; long="${3:-8}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v bochs-bin >/dev/null || { echo "bochs_loops: bochs-bin not found (apt-get install bochs bochsbios vgabios)" >&2; exit 2; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

ticks() { # rom seconds -> instructions executed before the stop
  printf 'romimage: file=%s\nmegs: 16\ncpu: count=1, ips=50000000, reset_on_triple_fault=0\n' "$1" > "$work/rc"
  # No display, no sound, no PCI: only the CPU and memory matter here.
  printf 'display_library: rfb, options="timeout=0"\nspeaker: enabled=0\nsound: driver=dummy\n' >> "$work/rc"
  printf 'pci: enabled=0\nlog: /dev/null\nclock: sync=none, time0=946681200\n' >> "$work/rc"
  printf 'c\nquit\n' > "$work/dbg"
  (cd "$work" && timeout -s INT "$2" bochs-bin -q -f "$work/rc" -rc "$work/dbg" > "$work/out" 2>&1 || true)
  grep -o 'Next at t=[0-9]*' "$work/out" | tail -1 | cut -d= -f2
}

for loop in decjnz64 alu64 decjnz32 alu32; do
  defs=()
  case "$loop" in *64) defs+=(--defsym LONG=1) ;; esac
  case "$loop" in alu*) defs+=(--defsym ALU=1) ;; esac
  as --32 "${defs[@]}" -o "$work/$loop.o" "$here/bochs_loops.S"
  ld -m elf_i386 -e 0 -Ttext=0 --oformat=binary -o "$work/$loop.top" "$work/$loop.o"
  # Bochs maps a 128 KiB BIOS image at 0xFFFE0000 and its top half again at 0xF0000.
  { head -c 65536 /dev/zero; cat "$work/$loop.top"; } > "$work/$loop.bin"
  rates=()
  for _ in $(seq "$runs"); do
    a="$(ticks "$work/$loop.bin" "$short")"; b="$(ticks "$work/$loop.bin" "$long")"
    rates+=("$(awk -v a="$a" -v b="$b" -v s="$short" -v l="$long" 'BEGIN { printf "%.1f", (b - a) / (l - s) / 1e6 }')")
  done
  median="$(printf '%s\n' "${rates[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
  printf 'bochs %-10s %8s M guest instructions/s (median of %d; runs: %s)\n' "$loop" "$median" "$runs" "${rates[*]}"
done
