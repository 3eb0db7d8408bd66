package org.apboot.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.cpu.CpuModel;
import org.apboot.core.cpu.CpuProfile;
import org.apboot.core.cpu.Segment;
import org.apboot.core.decode.Insn;
import org.apboot.core.engine.WaitLoop.Address;
import org.apboot.core.engine.WaitLoop.Poll;
import org.apboot.core.engine.WaitLoop.Until;
import org.apboot.core.engine.WaitLoop.Value;
import org.apboot.core.mem.PhysicalMemory;
import org.junit.jupiter.api.Test;

/** The per-machine cache of wait loops: one recognition per loop, dropped when its code changes. */
class WaitLoopsTest {
    /* .code32  1: pause; cmpl $5, 0x40(%esi); jne 1b; hlt */
    private static final byte[] LOOP = {(byte) 0xf3, (byte) 0x90, (byte) 0x83, 0x7e, 0x40, 0x05, 0x75, (byte) 0xf8,
        (byte) 0xf4};

    private static Cpu flat32(PhysicalMemory ram, long rip) {
        Cpu c = new Cpu(1, CpuModel.standard(true), CpuProfile.GENERIC, ram);
        c.cr0 = Cpu.CR0_PE | Cpu.CR0_ET | Cpu.CR0_NE;
        int data = Segment.P | Segment.S | Segment.TYPE_READ_OR_WRITE | Segment.TYPE_ACCESSED | Segment.DB | Segment.G;
        for (int s = 0; s < 6; s++) {
            c.seg[s].set(s == Insn.CS ? 0x08 : 0x10, 0, 0xFFFF_FFFFL, s == Insn.CS ? data | Segment.TYPE_CODE : data);
        }
        c.rip = rip;
        c.updateMode();
        return c;
    }

    @Test
    void recognisedOnceAndDroppedWhenTheLoopIsRewritten() {
        PhysicalMemory ram = new PhysicalMemory(1 << 20);
        WaitLoops loops = new WaitLoops(ram);
        ram.load(0x5000, LOOP);
        Cpu a = flat32(ram, 0x5002);
        WaitLoop first = loops.at(a);
        assertEquals(new WaitLoop(new Poll(Address.of(Insn.DS, Cpu.RSI, 0x40, 4), 4, Value.imm(5), Until.EQUAL)),
                first);
        assertSame(first, loops.at(flat32(ram, 0x5002)), "a second vCPU gets the cached descriptor");
        assertEquals(1, loops.size());
        ram.write8(0x5100, 1); // elsewhere in the page: still valid
        assertSame(first, loops.at(a));
        ram.write8(0x5005, 6); // cmpl $6
        assertEquals(new WaitLoop(new Poll(Address.of(Insn.DS, Cpu.RSI, 0x40, 4), 4, Value.imm(6), Until.EQUAL)),
                loops.at(a));
        ram.write8(0x5000, 0x90); // no PAUSE any more: nop; nop
        assertNull(loops.at(a));
    }

    @Test
    void aLoopAcrossAPageBoundaryIsRecognisedButNotCached() {
        PhysicalMemory ram = new PhysicalMemory(1 << 20);
        WaitLoops loops = new WaitLoops(ram);
        ram.load(0x5FFC, LOOP); // the compare straddles into the next page
        WaitLoop loop = loops.at(flat32(ram, 0x5FFE));
        assertEquals(Until.EQUAL, loop.polls().get(0).until());
        assertEquals(0, loops.size());
    }
}
