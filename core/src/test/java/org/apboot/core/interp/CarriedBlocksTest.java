package org.apboot.core.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.engine.EngineFactory;
import org.apboot.core.engine.EngineStats;
import org.apboot.core.semantics.TestCpus;
import org.junit.jupiter.api.Test;

/**
 * Decoded blocks carried from one machine's cache to the next: used when the new RAM holds the
 * bytes they were decoded from, watched there from then on, and dropped when the bytes differ.
 */
class CarriedBlocksTest {
    // mov $1,%eax; add %eax,%ebx; hlt
    private static final byte[] CODE = {(byte) 0xB8, 1, 0, 0, 0, 0x01, (byte) 0xC3, (byte) 0xF4};
    private static final long AT = 0x1000;

    private static Cpu machine(byte[] code) {
        Cpu cpu = TestCpus.prot32(0);
        cpu.ram.load(AT, code);
        cpu.rip = AT;
        return cpu;
    }

    @Test
    void aBlockWithTheSameBytesIsUsedWithoutDecodingAndWatchedInTheNewRam() {
        Cpu first = machine(CODE);
        BlockCache a = new BlockCache(first.ram, new EngineStats());
        DecodedBlock b = a.build(first, AT);

        Cpu second = machine(CODE);
        EngineStats stats = new EngineStats();
        BlockCache c = BlockCache.carriedOver(second.ram, stats, a.carry());
        assertSame(b, c.get(AT, second.modeKey));
        assertEquals(0, stats.blocksBuilt.sum(), "nothing decoded");

        second.ram.write8(AT + 1, 2); // mov $2,%eax now: the carried block no longer holds
        assertFalse(b.valid);
        assertNull(c.get(AT, second.modeKey));
    }

    @Test
    void aBlockWhoseBytesDifferInTheNewRamIsDropped() {
        Cpu first = machine(CODE);
        BlockCache a = new BlockCache(first.ram, new EngineStats());
        DecodedBlock b = a.build(first, AT);

        byte[] other = CODE.clone();
        other[1] = 7; // mov $7,%eax
        Cpu second = machine(other);
        BlockCache c = BlockCache.carriedOver(second.ram, new EngineStats(), a.carry());
        assertNull(c.get(AT, second.modeKey));
        DecodedBlock fresh = c.build(second, AT);
        assertNotSame(b, fresh);
        assertEquals(7, fresh.insns[0].imm);
    }

    @Test
    void blocksNotLookedUpOnOneMachineAreCarriedToTheNext() {
        Cpu first = machine(CODE);
        EngineFactory kept = Interpreter.keptAcrossMachines();
        Interpreter i1 = (Interpreter) kept.create(first.ram);
        DecodedBlock b = i1.cache().build(first, AT);
        Cpu second = machine(CODE);
        kept.create(second.ram); // nothing runs there
        Cpu third = machine(CODE);
        Interpreter i3 = (Interpreter) kept.create(third.ram);
        assertSame(b, i3.cache().get(AT, third.modeKey));
    }

    @Test
    void aCarriedBlockForgetsItsLinkToABlockOfTheEarlierMachine() {
        Cpu first = machine(CODE);
        BlockCache a = new BlockCache(first.ram, new EngineStats());
        DecodedBlock b = a.build(first, AT);
        b.successor = a.build(first, AT + 5);
        Cpu second = machine(CODE);
        BlockCache c = BlockCache.carriedOver(second.ram, new EngineStats(), a.carry());
        assertSame(b, c.get(AT, second.modeKey));
        assertNull(b.successor, "unchecked against this RAM: not followed");
    }

    @Test
    void aKeptInterpreterRunsTheCarriedBlock() {
        EngineFactory kept = Interpreter.keptAcrossMachines();
        Cpu first = machine(CODE);
        kept.create(first.ram).newWorker().run(first, 100);
        Cpu second = machine(CODE);
        Interpreter i2 = (Interpreter) kept.create(second.ram);
        i2.newWorker().run(second, 100);
        assertEquals(1, second.r[Cpu.RAX]);
        assertEquals(1, second.r[Cpu.RBX]);
        assertEquals(0, i2.stats().blocksBuilt.sum());
    }
}
