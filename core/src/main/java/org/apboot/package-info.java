/**
 * The embedding API: build an x86 machine, load code, set registers in any mode, run or step
 * vCPUs, observe instructions, memory writes, mode changes and faults, and read statistics.
 *
 * <pre>{@code
 * X86Machine m = X86Machine.builder().ramBytes(16 << 20).cpus(1).build();
 * m.load(0x7C00, code);
 * m.vcpu(0).realMode(0, 0x7C00);
 * m.onInstruction((cpu, rip, text) -> System.out.println(text));
 * m.run(Duration.ofSeconds(5));
 * long rax = m.vcpu(0).reg(Reg.RAX);
 * }</pre>
 *
 * Everything outside this package is internal and may change.
 */
package org.apboot;
