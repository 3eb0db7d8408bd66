package org.apboot.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Bring-ups one after the other for a given time, for a profiler to watch: each round builds a
 * machine ({@link BringUp#prepare}) and runs it ({@link BringUp#run}), with the engine kept
 * across machines as {@link BootBenchmark}'s warm cache keeps it; a profile filtered to
 * {@code BringUp.run} shows the guest runs alone. Prints the median rate of the runs and the
 * mean build time per AP.
 *
 * <p>{@code java -Xmx2g -Xmn1g [-agentpath:...] -cp benchmarks.jar org.apboot.bench.RepeatedBringUp
 * sipi|mailbox64 APS interp|jit SECONDS [THREADS]}
 */
public final class RepeatedBringUp {
    private RepeatedBringUp() {
    }

    public static void main(String[] args) {
        if (args.length != 4 && args.length != 5) {
            System.err.println("usage: RepeatedBringUp sipi|mailbox64 APS interp|jit SECONDS [THREADS]");
            System.exit(2);
        }
        int aps = Integer.parseInt(args[1]);
        long seconds = Long.parseLong(args[3]);
        int threads = args.length == 5 ? Integer.parseInt(args[4]) : 1;
        BringUp bringUp = new BringUp(BringUp.config(args[0], aps, "none", threads, "generic", null), args[2], "warm");
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long buildNanos = 0;
        List<Double> rates = new ArrayList<>();
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            bringUp.prepare();
            long t1 = System.nanoTime();
            bringUp.run();
            long t2 = System.nanoTime();
            buildNanos += t1 - t0;
            rates.add(aps / ((t2 - t1) / 1e9));
        }
        Collections.sort(rates);
        int n = rates.size();
        System.out.printf("%s %s %d APs: %d runs, median %.0f APs/s, build %.0f ns per AP%n",
                args[0], args[2], aps, n, rates.get(n / 2), buildNanos / (double) n / aps);
    }
}
