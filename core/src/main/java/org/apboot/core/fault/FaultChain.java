package org.apboot.core.fault;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;

/**
 * The exceptions raised while delivering one event, oldest first, as guest facts
 * ({@code "#GP(0x0) in prot32 at cs:rip 0x8:0x10034: reason"}), and a closing line such as
 * {@code "triple fault"}. Delivery records the raw values only; an entry is rendered as text
 * when it is read, so a guest that takes faults by the million (demand paging, emulated
 * instructions) pays for no formatting, and after the first event no allocation.
 *
 * <p>One chain per CPU, reused: {@link #restart} empties it for the next event, so a reader
 * that keeps the text beyond the next delivery copies it ({@code List.copyOf}). Not
 * thread-safe: written by the thread running the CPU, read by it or after the run.
 */
public final class FaultChain extends AbstractList<String> {
    private static final int INITIAL = 8;

    private int size;
    private int[] vectors = new int[INITIAL];
    /** Error code, or -1 for none (error codes are 32-bit values held in the low half). */
    private long[] errorCodes = new long[INITIAL];
    private String[] modes = new String[INITIAL];
    private int[] selectors = new int[INITIAL];
    private long[] rips = new long[INITIAL];
    private long[] faultAddresses = new long[INITIAL];
    /** The exception's reason, or for a closing line ({@link #addLine}) the whole text. */
    private String[] texts = new String[INITIAL];
    private boolean[] lines = new boolean[INITIAL];

    /**
     * The chain to record a new event in: {@code current} emptied when it is a chain, else a
     * new one (a CPU restored from a snapshot holds a plain list).
     */
    public static FaultChain restart(List<String> current) {
        if (current instanceof FaultChain) {
            FaultChain c = (FaultChain) current;
            Arrays.fill(c.texts, 0, c.size, null); // drop the old reasons for the collector
            c.size = 0;
            return c;
        }
        return new FaultChain();
    }

    /**
     * The chain to append to: {@code current} when it is a chain, else a new one holding the
     * lines of {@code current} (null, or the plain list of a CPU restored from a snapshot).
     */
    public static FaultChain continuing(List<String> current) {
        if (current instanceof FaultChain) {
            return (FaultChain) current;
        }
        FaultChain c = new FaultChain();
        if (current != null) {
            for (String line : current) {
                c.addLine(line);
            }
        }
        return c;
    }

    /**
     * Records an exception raised in {@code mode} at {@code cs}:{@code rip}; the fault address
     * is shown for #PF only.
     */
    public void addException(CpuException e, String mode, int cs, long rip) {
        int i = slot();
        vectors[i] = e.vector;
        errorCodes[i] = e.hasErrorCode ? e.errorCode & 0xFFFF_FFFFL : -1;
        modes[i] = mode;
        selectors[i] = cs;
        rips[i] = rip;
        faultAddresses[i] = e.faultAddress;
        texts[i] = e.reason;
        lines[i] = false;
    }

    /** Appends a closing line, shown as is. */
    public void addLine(String text) {
        int i = slot();
        texts[i] = text;
        lines[i] = true;
    }

    private int slot() {
        if (size == vectors.length) {
            int n = size * 2;
            vectors = Arrays.copyOf(vectors, n);
            errorCodes = Arrays.copyOf(errorCodes, n);
            modes = Arrays.copyOf(modes, n);
            selectors = Arrays.copyOf(selectors, n);
            rips = Arrays.copyOf(rips, n);
            faultAddresses = Arrays.copyOf(faultAddresses, n);
            texts = Arrays.copyOf(texts, n);
            lines = Arrays.copyOf(lines, n);
        }
        return size++;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String get(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("fault chain entry " + i + " of " + size);
        }
        if (lines[i]) {
            return texts[i];
        }
        StringBuilder sb = new StringBuilder(80).append(Vectors.name(vectors[i]));
        if (errorCodes[i] >= 0) {
            sb.append("(0x").append(Long.toHexString(errorCodes[i])).append(')');
        }
        sb.append(" in ").append(modes[i]);
        sb.append(" at cs:rip 0x").append(Integer.toHexString(selectors[i]))
                .append(":0x").append(Long.toHexString(rips[i]));
        if (vectors[i] == Vectors.PF) {
            sb.append(" (address 0x").append(Long.toHexString(faultAddresses[i])).append(')');
        }
        if (texts[i] != null) {
            sb.append(": ").append(texts[i]);
        }
        return sb.toString();
    }
}
