package org.apboot.core.machine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apboot.core.mem.PhysicalMemory;

/**
 * vCPUs parked on the words of one 64-byte line. Two kinds of wait:
 * <ul>
 * <li><b>until equal</b>: the spin loop compared the word with a value and waits for equality
 *     (the mailbox's APIC ID, a counter reaching N, a command returning to 0). Indexed by the
 *     awaited value, so a write wakes exactly the vCPUs whose value it wrote: with 100,000 APs
 *     parked on one mailbox, a write wakes one AP, not all of them.
 * <li><b>until changed</b>: any other loop (a locked bit test, a plain load): woken when the word
 *     differs from the value the loop saw.
 * </ul>
 * Guarded by this object's monitor.
 */
final class ParkedWaiters {
    private record EqualKey(long phys, int size, long value) {
    }

    private final ArrayList<Vcpu> changed = new ArrayList<>();
    private final HashMap<EqualKey, ArrayList<Vcpu>> equal = new HashMap<>();
    /** Distinct (phys, size) words with equality waiters, and how many wait on each. */
    private final HashMap<Long, Integer> equalWords = new HashMap<>();

    private static long wordKey(long phys, int size) {
        return (phys << 4) | size;
    }

    synchronized void add(Vcpu v) {
        if (v.parkUntilEqual) {
            equal.computeIfAbsent(new EqualKey(v.parkPhys, v.parkSize, v.parkValue), k -> new ArrayList<>(1)).add(v);
            equalWords.merge(wordKey(v.parkPhys, v.parkSize), 1, Integer::sum);
        } else {
            changed.add(v);
        }
    }

    synchronized void remove(Vcpu v) {
        if (v.parkUntilEqual) {
            EqualKey k = new EqualKey(v.parkPhys, v.parkSize, v.parkValue);
            ArrayList<Vcpu> list = equal.get(k);
            if (list != null && list.remove(v)) {
                if (list.isEmpty()) {
                    equal.remove(k);
                }
                decrementWord(v.parkPhys, v.parkSize, 1);
            }
        } else {
            changed.remove(v);
        }
    }

    private void decrementWord(long phys, int size, int n) {
        equalWords.computeIfPresent(wordKey(phys, size), (k, c) -> c - n <= 0 ? null : c - n);
    }

    /** Removes and returns every waiter whose condition now holds, for the caller to wake. */
    synchronized ArrayList<Vcpu> takeSatisfied(PhysicalMemory ram) {
        ArrayList<Vcpu> out = null;
        for (Iterator<Vcpu> it = changed.iterator(); it.hasNext(); ) {
            Vcpu v = it.next();
            if (ram.read(v.parkPhys, v.parkSize) != v.parkValue) {
                it.remove();
                out = add(out, v);
            }
        }
        if (!equalWords.isEmpty()) {
            Long[] words = equalWords.keySet().toArray(new Long[0]);
            for (Long w : words) {
                long phys = w >>> 4;
                int size = (int) (w & 0xF);
                ArrayList<Vcpu> list = equal.remove(new EqualKey(phys, size, ram.read(phys, size)));
                if (list != null) {
                    decrementWord(phys, size, list.size());
                    for (Vcpu v : list) {
                        out = add(out, v);
                    }
                }
            }
        }
        return out;
    }

    private static ArrayList<Vcpu> add(ArrayList<Vcpu> out, Vcpu v) {
        if (out == null) {
            out = new ArrayList<>(2);
        }
        out.add(v);
        return out;
    }

    synchronized boolean isEmpty() {
        return changed.isEmpty() && equal.isEmpty();
    }

    /** Every waiter, for reports. */
    synchronized void forEach(java.util.function.Consumer<Vcpu> c) {
        changed.forEach(c);
        for (Map.Entry<EqualKey, ArrayList<Vcpu>> e : equal.entrySet()) {
            e.getValue().forEach(c);
        }
    }
}
