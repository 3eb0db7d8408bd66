package org.apboot.core.semantics.system;

import static org.apboot.core.semantics.system.SysCpus.exec;
import static org.apboot.core.semantics.system.SysCpus.gp;
import static org.apboot.core.semantics.system.SysCpus.ud;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.semantics.Cpuid;
import org.apboot.core.semantics.Msrs;
import org.junit.jupiter.api.Test;

class CpuidTest {
    private static String regs(int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putInt(x);
        }
        return new String(b.array(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void vendorAndMaxLeaf() {
        Cpu cpu = SysCpus.real();
        int[] r = Cpuid.leaf(cpu, 0, 0);
        assertEquals(Cpuid.MAX_BASIC, r[0]);
        assertEquals("GenuineIntel", regs(r[1], r[3], r[2]));
    }

    @Test
    void leaf1() {
        Cpu cpu = SysCpus.real();
        cpu.apicId = 0x1234;
        int[] r = Cpuid.leaf(cpu, 1, 0);
        // family 6, model 0x8F, stepping 8: model nibble F, extended model 8
        assertEquals(0x000806F8, r[0]);
        assertEquals(0x34, r[1] >>> 24, "initial APIC ID: low 8 bits");
        assertEquals(1, (r[1] >> 16) & 0xFF);
        assertEquals(8, (r[1] >> 8) & 0xFF, "CLFLUSH line size in 8-byte units");
        assertEquals(0, r[2] & (1 << 27), "OSXSAVE clear");
        assertTrue((r[2] & CpuModel.X2APIC) != 0);
        assertEquals(cpu.model.features1Edx, r[3]);
        // the reset value of EDX carries the same signature family/model/stepping
        assertEquals(0x6F8, cpu.r[Cpu.RDX] & 0xFFF);
    }

    @Test
    void leaf7AndLa57() {
        assertEquals(0, Cpuid.leaf(SysCpus.real(), 7, 0)[2] & CpuModel.L7_ECX_LA57);
        Cpu la57 = SysCpus.real(true, CpuProfile.GENERIC);
        int[] r = Cpuid.leaf(la57, 7, 0);
        assertEquals(CpuModel.L7_ECX_LA57, r[2] & CpuModel.L7_ECX_LA57);
        assertEquals(CpuModel.L7_BMI1, r[1]);
        assertArrayEquals(new int[4], Cpuid.leaf(la57, 7, 1));
        assertEquals(57, (Cpuid.leaf(la57, 0x8000_0008, 0)[0] >> 8) & 0xFF);
    }

    @Test
    void x2apicTopology() {
        Cpu cpu = SysCpus.real();
        cpu.apicId = 0x0001_86A0; // 100000: beyond 8 bits
        int[] smt = Cpuid.leaf(cpu, 0xB, 0);
        assertArrayEquals(new int[] {0, 1, 0x100, 100000}, smt);
        int[] core = Cpuid.leaf(cpu, 0xB, 1);
        assertEquals(8, core[0] & 0x1F);
        assertEquals(2, (core[2] >> 8) & 0xFF);
        assertEquals(1, core[2] & 0xFF);
        assertEquals(100000, core[3]);
        int[] end = Cpuid.leaf(cpu, 0xB, 2);
        assertEquals(0, end[1] & 0xFFFF, "EBX=0 ends the enumeration");
        assertEquals(0, (end[2] >> 8) & 0xFF);
        assertEquals(2, end[2] & 0xFF);
        assertEquals(100000, end[3]);
    }

    @Test
    void extendedLeaves() {
        Cpu cpu = SysCpus.real();
        assertEquals(Cpuid.MAX_EXTENDED, Cpuid.leaf(cpu, 0x8000_0000, 0)[0]);
        int[] e1 = Cpuid.leaf(cpu, 0x8000_0001, 0);
        assertTrue((e1[3] & CpuModel.EXT_LM) != 0);
        assertTrue((e1[3] & CpuModel.EXT_NX) != 0);
        assertEquals(CpuModel.EXT_LAHF_LM | CpuModel.EXT_ABM, e1[2]);
        StringBuilder brand = new StringBuilder();
        for (int l = 0x8000_0002; l <= 0x8000_0004; l++) {
            brand.append(regs(Cpuid.leaf(cpu, l, 0)));
        }
        assertEquals(48, brand.length());
        assertEquals("apboot virtual CPU", brand.toString().replace("\0", ""));
        assertEquals(46 | 48 << 8, Cpuid.leaf(cpu, 0x8000_0008, 0)[0]);
    }

    @Test
    void leavesAboveMaxReturnHighestBasicLeaf() {
        Cpu cpu = SysCpus.real();
        cpu.apicId = 77;
        assertArrayEquals(Cpuid.leaf(cpu, 0xB, 1), Cpuid.leaf(cpu, 0x20, 1));
        assertArrayEquals(Cpuid.leaf(cpu, 0xB, 0), Cpuid.leaf(cpu, 0x8000_0009, 0));
        assertArrayEquals(Cpuid.leaf(cpu, 0xB, 0), Cpuid.leaf(cpu, 0xFFFF_FFFF, 0));
        // the hypervisor leaf is answered
        assertEquals("apbootVCPU\0\0", regs(java.util.Arrays.copyOfRange(Cpuid.leaf(cpu, 0x4000_0000, 0), 1, 4)));
        // MISC_ENABLE.LIMIT_CPUID caps the basic range at 2
        cpu.miscEnable |= Msrs.MISC_LIMIT_CPUID;
        assertEquals(2, Cpuid.leaf(cpu, 0, 0)[0]);
        assertArrayEquals(Cpuid.leaf(cpu, 2, 0), Cpuid.leaf(cpu, 7, 0));
    }

    @Test
    void cpuidThroughTheDecoder() {
        Cpu cpu = SysCpus.long64(0);
        cpu.r[Cpu.RAX] = 0xFFFF_FFFF_0000_0000L; // leaf 0: upper half ignored
        cpu.r[Cpu.RBX] = -1;
        exec(cpu, 0x0F, 0xA2);
        assertEquals(Cpuid.MAX_BASIC, cpu.r[Cpu.RAX]);
        assertEquals(0x756E_6547L, cpu.r[Cpu.RBX], "'Genu', zero-extended");
        assertEquals(0x4965_6E69L, cpu.r[Cpu.RDX]);
        assertEquals(0x6C65_746EL, cpu.r[Cpu.RCX]);
    }

    @Test
    void tscIsDeterministicAndMonotonic() {
        Cpu a = SysCpus.prot32(0);
        Cpu b = SysCpus.prot32(0);
        a.instructions = b.instructions = 5000;
        Cpuid.rdtsc(a);
        Cpuid.rdtsc(b);
        assertEquals(a.r[Cpu.RAX], b.r[Cpu.RAX]);
        long t0 = a.r[Cpu.RAX] | a.r[Cpu.RDX] << 32;
        a.instructions++;
        Cpuid.rdtsc(a);
        long t1 = a.r[Cpu.RAX] | a.r[Cpu.RDX] << 32;
        assertTrue(t1 > t0);
        // 64-bit split into EDX:EAX
        a.tscOffset = 0x1_0000_0000L;
        Cpuid.rdtsc(a);
        assertEquals(1, a.r[Cpu.RDX]);
        a.tscAux = 3;
        a.r[Cpu.RCX] = -1;
        exec(a, 0x0F, 0x01, 0xF9); // rdtscp
        assertEquals(3, a.r[Cpu.RCX]);
        exec(a, 0x0F, 0x31); // rdtsc
    }

    @Test
    void tsdBlocksUserTsc() {
        Cpu cpu = SysCpus.prot32(3);
        Cpuid.rdtsc(cpu);
        cpu.cr4 |= Cpu.CR4_TSD;
        gp(() -> Cpuid.rdtsc(cpu));
        gp(() -> Cpuid.rdtscp(cpu));
        Cpu k = SysCpus.prot32(0);
        k.cr4 |= Cpu.CR4_TSD;
        Cpuid.rdtsc(k);
    }

    @Test
    void rdtscpNeedsTheFeature() {
        CpuModel s = CpuModel.standard(false);
        CpuModel m = new CpuModel(s.vendor, s.family, s.model, s.stepping, s.features1Edx, s.features1Ecx,
                s.extEdx & ~CpuModel.EXT_RDTSCP, s.extEcx, s.leaf7Ebx, s.leaf7Ecx, 46, 48, s.brand);
        Cpu cpu = new Cpu(0, m, CpuProfile.GENERIC, new PhysicalMemory(4096));
        ud(() -> Cpuid.rdtscp(cpu));
    }
}
