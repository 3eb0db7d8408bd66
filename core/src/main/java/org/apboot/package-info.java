/**
 * The embedding API: build an x86 machine (engine by name: {@code interp} or {@code jit}), map
 * RAM, ROM and devices anywhere in the physical address space, load flat, ELF or Multiboot
 * images or the kernel's real-mode trampoline, set every register by name or start from a
 * preset (reset vector, real, flat 32-bit, long mode, at CPL 0 or 3), run one vCPU or the whole
 * machine until HLT, the exit port, an address, an instruction count, a timeout or a stop from
 * another thread, observe instructions, blocks, faults, interrupts, mode changes, memory
 * accesses and I/O, take faults and interrupts over, override CPUID and MSRs, remove hooks
 * again, take and restore snapshots, and read statistics.
 *
 * <pre>{@code
 * X86Machine m = X86Machine.builder().engine("jit").ramBytes(16 << 20).build();
 * m.mapRom(0xFFFF0000L, rom).alias(0xF0000, 0xFFFF0000L, rom.length);
 * RunResult r = m.runVcpu(0, RunLimits.none().timeout(Duration.ofSeconds(5)));
 * System.out.println(r.exit() + " " + r.status() + " rip=" + m.vcpu(0).get("rip"));
 * }</pre>
 *
 * Call order: build, map memory, load, set vCPU state, install hooks, run; between runs state
 * may be read and changed. Everything outside this package is internal and may change.
 */
package org.apboot;
