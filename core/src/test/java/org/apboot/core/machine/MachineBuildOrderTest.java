package org.apboot.core.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.apboot.core.cpu.Cpu;
import org.apboot.core.image.InitialState;
import org.apboot.core.interp.Interpreter;
import org.apboot.core.mem.PhysicalMemory;
import org.apboot.core.scenario.InitialStates;
import org.junit.jupiter.api.Test;

/**
 * The one-pass build: guest RAM is loaded before any vCPU exists, and each vCPU is set up right
 * after it is built, in index order, with state decoded from that RAM once.
 */
class MachineBuildOrderTest {
    private static final long TIMEOUT = 60_000_000_000L;
    /* a flat GDT at 0x1000: null, 32-bit code (0x08), data (0x10) */
    private static final long[] GDT = {0, 0x00CF_9A00_0000_FFFFL, 0x00CF_9200_0000_FFFFL};
    /* at 0x2000, 32-bit: movl $0x1234, 0x3000(,%eax*4); cli; hlt (EAX = the vCPU index) */
    private static final byte[] STORE_AND_HALT = {(byte) 0xc7, 0x04, (byte) 0x85, 0x00, 0x30, 0x00, 0x00,
        0x34, 0x12, 0x00, 0x00, (byte) 0xfa, (byte) 0xf4};

    private static void loadFlat(PhysicalMemory ram) {
        for (int i = 0; i < GDT.length; i++) {
            ram.write64(0x1000 + 8L * i, GDT[i]);
        }
        ram.load(0x2000, STORE_AND_HALT);
    }

    private static InitialState flat32() {
        return new InitialState(Cpu.CR0_PE | Cpu.CR0_ET, 0, 0, 0, 0x1000, 8 * GDT.length - 1, 0, 0,
                0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x2000, 0x7000, 0x2, 0xFEE0_0900L);
    }

    @Test
    void loadRunsBeforeTheVcpusAndSetupOncePerVcpuInOrder() {
        List<Integer> order = new ArrayList<>();
        PhysicalMemory[] loaded = new PhysicalMemory[1];
        InitialStates.Applied[] state = new InitialStates.Applied[1];
        Machine m = new Machine(MachineConfig.builder().ramBytes(1 << 20).cpus(4).deterministic(true).build(),
                ram -> {
                    assertNull(loaded[0], "load runs once");
                    loaded[0] = ram;
                    loadFlat(ram);
                    state[0] = InitialStates.of(ram, flat32());
                    ram.write64(0x1010, 0); // the GDT is read once, by of(): a later change is not seen
                }, v -> {
                    order.add(v.cpu.index);
                    state[0].applyTo(v);
                    v.cpu.r[Cpu.RAX] = v.cpu.index;
                });
        assertSame(m.ram(), loaded[0]);
        assertEquals(List.of(0, 1, 2, 3), order);
        for (int i = 0; i < 4; i++) {
            Cpu c = m.vcpu(i).cpu;
            assertEquals(32, c.codeSize);
            assertEquals(0x10, c.seg[2].selector);
            assertEquals(0xFFFF_FFFFL, c.seg[2].limit, "SS from the GDT as it was when decoded");
            assertEquals(0x2000, c.rip);
            assertEquals(0x7000, c.r[Cpu.RSP]);
            assertEquals(i == 0 ? 0xFEE0_0900L : 0xFEE0_0800L, m.vcpu(i).apicBase, "the BSP flag follows the index");
        }
        for (int i = 1; i < 4; i++) {
            m.start(i);
        }
        assertEquals(false, m.run(new Interpreter(m.ram()), TIMEOUT), "timed out");
        for (int i = 0; i < 4; i++) {
            assertEquals(0x1234, m.ram().read32(0x3000 + 4L * i), "vCPU " + i + " ran from its applied state");
        }
    }

    @Test
    void aSelectorOutsideTheGdtIsRefusedWhenDecoded() {
        PhysicalMemory ram = new PhysicalMemory(1 << 20);
        loadFlat(ram);
        InitialState bad = new InitialState(Cpu.CR0_PE, 0, 0, 0, 0x1000, 8 * GDT.length - 1, 0, 0,
                0x18, 0x10, 0x10, 0x10, 0x10, 0x10, 0x2000, 0x7000, 0x2, 0xFEE0_0800L);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InitialStates.of(ram, bad));
        assertEquals("initial selector 0x18 is outside the GDT at 0x1000 (limit 0x17)", e.getMessage());
    }
}
