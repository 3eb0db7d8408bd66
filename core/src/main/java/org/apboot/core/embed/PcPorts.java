package org.apboot.core.embed;

import java.util.Arrays;
import java.util.function.IntConsumer;
import org.apboot.core.machine.PlatformIo;
import org.apboot.core.mem.IoBus;

/**
 * The I/O ports of a minimal PC for embedded guests, in front of the machine's own ports
 * (debug console 0xE9, serial 0x3F8, POST 0x80):
 *
 * <ul>
 *   <li>exit port 0xF4: a write ends the run with the value written as its status;</li>
 *   <li>reset: 0xFE to the keyboard controller command port 0x64, or a write with bit 2 set to
 *       the reset control register 0xCF9, ends the run as a shutdown;</li>
 *   <li>the two 8259 interrupt controllers (0x20/0x21, 0xA0/0xA1): the initialisation sequence
 *       (ICW1-ICW4), the interrupt mask (read back as written), OCW2/OCW3 accepted; IRR and ISR
 *       read 0 (no legacy interrupt is ever raised);</li>
 *   <li>the 8254 timer (0x40-0x43): control words and reload values accepted, counters read back
 *       the reload value (low byte, then high byte); the timer never fires;</li>
 *   <li>port 0x61 and the fast A20 port 0x92 read back what was written (A20 stays enabled).</li>
 * </ul>
 *
 * <p>Call order: construct over the machine's ports, {@link #onExit}, {@link #onReset} and
 * {@link #logPort} before the run; thread-safe for the vCPUs' accesses.
 */
public final class PcPorts implements IoBus {
    public static final int EXIT = 0xF4, KBC_COMMAND = 0x64, RESET_CONTROL = 0xCF9;

    /** Told about a write to the exit port. */
    public interface ExitListener {
        void exit(int cpuIndex, int status);
    }

    /** Sees port accesses before the devices; {@link #in} may answer one itself. */
    public interface PortHook {
        /** The value an IN returns, or {@link #PASS} to let the devices answer. */
        long in(int cpuIndex, int port, int size);

        /** Sees an OUT before the device does. */
        void out(int cpuIndex, int port, int size, int value);
    }

    /** {@link PortHook#in}: no answer, ask the devices. */
    public static final long PASS = Long.MIN_VALUE;

    private record HookRange(int first, int last, PortHook hook) {
    }

    /** Installed hooks, or null (then I/O costs one null check more than without this class). */
    private volatile HookRange[] hooks;
    private final PlatformIo platform;
    private volatile ExitListener exitListener = (c, s) -> { };
    private volatile IntConsumer resetListener = c -> { };
    private volatile IntConsumer[] portLogs = new IntConsumer[0x10000];
    private final Pic master = new Pic(), slave = new Pic();
    private final int[] pitReload = new int[3];
    private final boolean[] pitHighNext = new boolean[3];
    private final boolean[] pitReadHighNext = new boolean[3];
    private int port61, port92 = 0x02;

    public PcPorts(PlatformIo platform) {
        this.platform = platform;
    }

    public void onExit(ExitListener l) {
        exitListener = l;
    }

    /** Called with the vCPU index when the guest asks for a reset. */
    public void onReset(IntConsumer l) {
        resetListener = l;
    }

    /** Calls {@code log} with every byte written to {@code port} (each byte of wider writes, low first). */
    public synchronized void logPort(int port, IntConsumer log) {
        IntConsumer[] a = Arrays.copyOf(portLogs, portLogs.length);
        IntConsumer prev = a[port & 0xFFFF];
        a[port & 0xFFFF] = prev == null ? log : prev.andThen(log);
        portLogs = a;
    }

    /** Adds a hook for ports {@code first}..{@code last}; hooks run in the order added. */
    public synchronized void hook(int first, int last, PortHook hook) {
        HookRange[] old = hooks == null ? new HookRange[0] : hooks;
        HookRange[] a = Arrays.copyOf(old, old.length + 1);
        a[old.length] = new HookRange(first, last, hook);
        hooks = a;
    }

    /** Removes a hook added with {@link #hook}; false when it was not installed. */
    public synchronized boolean unhook(PortHook hook) {
        if (hooks == null) {
            return false;
        }
        HookRange[] kept = Arrays.stream(hooks).filter(r -> r.hook != hook).toArray(HookRange[]::new);
        if (kept.length == hooks.length) {
            return false;
        }
        hooks = kept.length == 0 ? null : kept; // none left: I/O skips the hooks again
        return true;
    }

    @Override
    public int in(int cpuIndex, int port, int size) {
        HookRange[] h = hooks;
        if (h != null) {
            for (HookRange r : h) {
                if (port >= r.first && port <= r.last) {
                    long v = r.hook.in(cpuIndex, port, size);
                    if (v != PASS) {
                        return (int) v;
                    }
                }
            }
        }
        switch (port) {
            case 0x20: case 0xA0: return 0;
            case 0x21: return master.mask;
            case 0xA1: return slave.mask;
            case 0x40: case 0x41: case 0x42: return pitRead(port - 0x40);
            case 0x61: synchronized (this) { return port61; }
            case 0x92: synchronized (this) { return port92; }
            default: return platform.in(cpuIndex, port, size);
        }
    }

    @Override
    public void out(int cpuIndex, int port, int size, int value) {
        HookRange[] h = hooks;
        if (h != null) {
            for (HookRange r : h) {
                if (port >= r.first && port <= r.last) {
                    r.hook.out(cpuIndex, port, size, value);
                }
            }
        }
        IntConsumer log = portLogs[port & 0xFFFF];
        if (log != null) {
            for (int i = 0; i < size; i++) {
                log.accept((value >>> (8 * i)) & 0xFF);
            }
        }
        switch (port) {
            case EXIT: exitListener.exit(cpuIndex, value & (size == 4 ? -1 : (1 << (8 * size)) - 1)); return;
            case KBC_COMMAND:
                if ((value & 0xFF) == 0xFE) {
                    resetListener.accept(cpuIndex);
                }
                return;
            case RESET_CONTROL:
                if ((value & 0x04) != 0) {
                    resetListener.accept(cpuIndex);
                }
                return;
            case 0x20: master.command(value); return;
            case 0x21: master.data(value); return;
            case 0xA0: slave.command(value); return;
            case 0xA1: slave.data(value); return;
            case 0x40: case 0x41: case 0x42: pitWrite(port - 0x40, value); return;
            case 0x43: pitControl(value); return;
            case 0x61: synchronized (this) { port61 = value & 0xFF; } return;
            case 0x92: synchronized (this) { port92 = (value & 0xFF) | 0x02; } return;
            default: platform.out(cpuIndex, port, size, value);
        }
    }

    private synchronized void pitControl(int value) {
        int counter = (value >>> 6) & 3;
        if (counter < 3) {
            pitHighNext[counter] = false;
            pitReadHighNext[counter] = false;
        }
    }

    private synchronized void pitWrite(int counter, int value) {
        int b = value & 0xFF;
        pitReload[counter] = pitHighNext[counter] ? (pitReload[counter] & 0xFF) | (b << 8) : (pitReload[counter] & 0xFF00) | b;
        pitHighNext[counter] = !pitHighNext[counter];
    }

    private synchronized int pitRead(int counter) {
        int v = pitReadHighNext[counter] ? pitReload[counter] >>> 8 : pitReload[counter] & 0xFF;
        pitReadHighNext[counter] = !pitReadHighNext[counter];
        return v;
    }

    /** The interrupt mask of the master (low byte) and slave (high byte) 8259. */
    public int picMasks() {
        return master.mask | slave.mask << 8;
    }

    /** The vector bases programmed by ICW2 into the master (low byte) and slave (high byte). */
    public int picVectorBases() {
        return master.vectorBase | slave.vectorBase << 8;
    }

    /** The reload value last written to 8254 counter {@code counter} (0-2). */
    public synchronized int pitReload(int counter) {
        return pitReload[counter];
    }

    /**
     * What the 8259s, the 8254 and ports 0x61 and 0x92 hold (a snapshot; no vCPU runs): master
     * then slave PIC as {mask, vector base, expected initialisation words, ICW4, single}, then
     * each PIT counter's reload value and byte toggles, then ports 0x61 and 0x92.
     */
    public synchronized int[] save() {
        int[] s = new int[10 + 9 + 2];
        master.save(s, 0);
        slave.save(s, 5);
        for (int c = 0; c < 3; c++) {
            s[10 + 3 * c] = pitReload[c];
            s[11 + 3 * c] = pitHighNext[c] ? 1 : 0;
            s[12 + 3 * c] = pitReadHighNext[c] ? 1 : 0;
        }
        s[19] = port61;
        s[20] = port92;
        return s;
    }

    /** Back to what {@link #save} returned. */
    public synchronized void restore(int[] s) {
        master.restore(s, 0);
        slave.restore(s, 5);
        for (int c = 0; c < 3; c++) {
            pitReload[c] = s[10 + 3 * c];
            pitHighNext[c] = s[11 + 3 * c] != 0;
            pitReadHighNext[c] = s[12 + 3 * c] != 0;
        }
        port61 = s[19];
        port92 = s[20];
    }

    /** One 8259: only the state a guest programs and reads back. */
    private static final class Pic {
        volatile int mask;
        int vectorBase;
        /** Initialisation words still expected after ICW1: 0 when initialised. */
        int expect;
        boolean icw4;
        boolean single;

        synchronized void command(int value) {
            if ((value & 0x10) != 0) { // ICW1
                expect = 2;
                icw4 = (value & 1) != 0;
                single = (value & 2) != 0;
                mask = 0;
            }
            // OCW2 (EOI) and OCW3 (register select) change nothing observable here
        }

        synchronized void save(int[] s, int at) {
            s[at] = mask;
            s[at + 1] = vectorBase;
            s[at + 2] = expect;
            s[at + 3] = icw4 ? 1 : 0;
            s[at + 4] = single ? 1 : 0;
        }

        synchronized void restore(int[] s, int at) {
            mask = s[at];
            vectorBase = s[at + 1];
            expect = s[at + 2];
            icw4 = s[at + 3] != 0;
            single = s[at + 4] != 0;
        }

        synchronized void data(int value) {
            int b = value & 0xFF;
            switch (expect) {
                case 2: vectorBase = b & 0xF8; expect = single ? (icw4 ? 4 : 0) : 3; return;
                case 3: expect = icw4 ? 4 : 0; return;
                case 4: expect = 0; return;
                default: mask = b;
            }
        }
    }
}
