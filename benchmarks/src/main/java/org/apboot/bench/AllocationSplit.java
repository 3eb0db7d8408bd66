package org.apboot.bench;

import java.lang.management.ManagementFactory;

/**
 * Bytes allocated per AP, split between building the machine and the guest run, which JMH's GC
 * profiler reports only as one sum ({@link BootBenchmark} builds each machine in its invocation
 * setup). Counts every thread's allocations, host threads of the scheduler included, around
 * {@link BringUp#prepare} and {@link BringUp#run}; the later rounds are the steady state.
 *
 * <p>{@code java -cp benchmarks.jar org.apboot.bench.AllocationSplit PATH ENGINE APS ROUNDS [CACHE]}
 * with PATH sipi|mailbox64, ENGINE interp|jit and CACHE warm (the default) or cold, as in
 * {@link BootBenchmark} (one host thread, no work).
 */
public final class AllocationSplit {
    private AllocationSplit() {
    }

    public static void main(String[] args) {
        if (args.length != 4 && args.length != 5) {
            System.err.println("usage: AllocationSplit sipi|mailbox64 interp|jit APS ROUNDS [warm|cold]");
            System.exit(2);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int aps = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        String cache = args.length == 5 ? args[4] : "warm";
        BringUp bringUp = new BringUp(BringUp.config(args[0], aps, "none", 1, "generic", null), args[1], cache);
        for (int r = 1; r <= rounds; r++) {
            long t0 = threads.getTotalThreadAllocatedBytes();
            bringUp.prepare();
            long t1 = threads.getTotalThreadAllocatedBytes();
            bringUp.run();
            long t2 = threads.getTotalThreadAllocatedBytes();
            System.out.printf("%s %s %s round %d: machine build %d B/AP, guest run %d B/AP%n",
                    args[0], args[1], cache, r, (t1 - t0) / aps, (t2 - t1) / aps);
        }
    }
}
