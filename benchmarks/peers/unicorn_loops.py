#!/usr/bin/python3
"""The guest loops of GuestLoopBenchmark on Unicorn (QEMU's translator as a library), for a
side-by-side figure in the same run as the JMH benchmark.

Runs each loop (the same bytes as GuestLoopBenchmark) for 8,000,000 guest instructions plus the
HLT, RUNS times, and prints the median guest instructions per second. Needs Debian's
python3-unicorn: /usr/bin/python3 benchmarks/peers/unicorn_loops.py [RUNS]
"""
import statistics
import sys
import time

from unicorn import Uc, UC_ARCH_X86, UC_MODE_32, UC_MODE_64
from unicorn.x86_const import UC_X86_REG_ECX, UC_X86_REG_RCX

CODE = 0x100000
INSNS = 8_000_000
LOOPS = {
    # name: (mode, bytes without the final hlt, instructions per iteration)
    "decjnz64": (UC_MODE_64, "ffc975fc", 2),
    "alu64": (UC_MODE_64, "01c831c2d1e211d3c1c00329deffc975ef", 8),
    "decjnz32": (UC_MODE_32, "4975fd", 2),
    "alu32": (UC_MODE_32, "01c831c2d1e211d3c1c00329de4975f0", 8),
}


def run(mode, code, per_iteration):
    uc = Uc(UC_ARCH_X86, mode)
    uc.mem_map(CODE, 0x1000)
    uc.mem_write(CODE, code)
    uc.reg_write(UC_X86_REG_RCX if mode == UC_MODE_64 else UC_X86_REG_ECX, INSNS // per_iteration)
    start = time.perf_counter()
    uc.emu_start(CODE, CODE + len(code))  # stops where the hlt would be
    return INSNS / (time.perf_counter() - start)


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for name, (mode, hexcode, per_iteration) in LOOPS.items():
        code = bytes.fromhex(hexcode)
        run(mode, code, per_iteration)  # translate once
        rates = [run(mode, code, per_iteration) for _ in range(runs)]
        print(f"unicorn {name:9s} {statistics.median(rates) / 1e6:10.1f} M guest instructions/s (median of {runs})")


if __name__ == "__main__":
    main()
