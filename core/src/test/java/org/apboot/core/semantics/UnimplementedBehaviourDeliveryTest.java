package org.apboot.core.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.Insn;
import org.apboot.core.fault.CpuException;
import org.apboot.core.fault.Vectors;
import org.apboot.core.mem.MmioBus;
import org.junit.jupiter.api.Test;

/**
 * Behaviour apboot does not implement is raised as {@link CpuException#unimplemented}, a #UD
 * marked as such. Raised by an instruction, the guest sees #UD, as on a processor without the
 * feature; raised while an exception is being delivered (here by a device behind the stack the
 * delivery pushes to), the machine stops with the reason instead of turning it into a guest
 * fault. Real mode: the #UD handler comes from IVT entry 6 at linear 0x18 (SDM vol. 3 section
 * 21.1.4), FLAGS, CS and IP are pushed.
 */
class UnimplementedBehaviourDeliveryTest {
    private static Cpu realWithUdHandler() {
        Cpu cpu = TestCpus.real();
        cpu.ram.write16(6 * 4, 0x5678);     // IP
        cpu.ram.write16(6 * 4 + 2, 0x1234); // CS
        cpu.seg[Insn.SS].set(0, 0, 0xFFFF, cpu.seg[Insn.SS].attrs);
        cpu.r[Cpu.RSP] = 0x8000;
        return cpu;
    }

    @Test
    void anUnimplementedInstructionReachesTheGuestAsInvalidOpcode() {
        Cpu cpu = realWithUdHandler();
        ExceptionDelivery.deliver(cpu, CpuException.unimplemented("fxsave"));
        assertFalse(cpu.shutdown, String.valueOf(cpu.shutdownReason));
        assertEquals(0x1234, cpu.seg[Insn.CS].selector);
        assertEquals(0x5678, cpu.rip);
        assertEquals(0x8000 - 6, cpu.r[Cpu.RSP] & 0xFFFF);
        assertEquals(0x100, cpu.ram.read16(0x8000 - 6), "the faulting IP is pushed");
    }

    @Test
    void unimplementedBehaviourMetWhileDeliveringStopsTheMachineWithTheReason() {
        Cpu cpu = realWithUdHandler();
        long device = 0x10_0000; // just above the 1 MiB of RAM
        cpu.mmio = new MmioBus() {
            @Override
            public boolean claims(int cpuIndex, long phys) {
                return phys >= device && phys < device + 0x1000;
            }

            @Override
            public long read(int cpuIndex, long phys, int size) {
                return 0;
            }

            @Override
            public void write(int cpuIndex, long phys, int size, long value) {
                throw CpuException.unimplemented("stack on this device");
            }
        };
        cpu.seg[Insn.SS].set(0xFFFF, 0xF_FFF0, 0xFFFF, cpu.seg[Insn.SS].attrs);
        cpu.r[Cpu.RSP] = 0x1000; // FFFF:1000 is linear 0x100FF0: the pushes land on the device
        ExceptionDelivery.deliver(cpu, CpuException.gp(0, "test"));
        assertTrue(cpu.shutdown);
        assertTrue(cpu.shutdownReason.startsWith("cannot deliver " + Vectors.name(Vectors.GP)), cpu.shutdownReason);
        assertTrue(cpu.shutdownReason.contains("stack on this device"), cpu.shutdownReason);
    }
}
