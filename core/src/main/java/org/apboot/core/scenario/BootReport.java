package org.apboot.core.scenario;

import java.util.List;
import org.apboot.core.machine.Machine;

/**
 * What a bring-up run produced: counts, timing, engine and machine statistics, every failed AP as
 * guest facts, warnings about the trampoline, and the final state of one AP.
 *
 * <p>{@code heapBytesUsed} is the Java heap in use after the run and a full GC;
 * {@code heapBytesPerVcpu} is the growth of the heap over the run's lifetime (machine built,
 * booted, GC'd) minus guest RAM, divided by the vCPU count: what each vCPU, with its share of
 * decoded code and scheduler bookkeeping, costs. {@code setupSeconds} is the wall time of
 * building the machine (guest RAM, images, vCPUs, initial states, the engine), before the run
 * and outside {@code wallSeconds}.
 */
public record BootReport(
        int aps, int online, int failed, String engine, String path, String cpu, int paging,
        String trampoline, String policy, String work,
        double setupSeconds, double wallSeconds, double apsPerSecond, long guestInstructions, long[] instructionsByMode,
        EngineSummary engineStats, Machine.Stats machineStats, boolean timedOut,
        List<Failure> failures, List<String> warnings, ApState finalState, String console,
        long heapBytesUsed, long heapBytesPerVcpu) {

    /** Names of the entries of {@link #instructionsByMode}. */
    public static final List<String> MODES = List.of("real16", "prot16", "prot32", "compat", "long64", "v86");

    /** One AP that did not come online, or came online in the wrong state. */
    public record Failure(int apicId, String state, String mode, long rip, String instruction,
                          List<String> faultChain, String problem) {
    }

    /** Architectural state of one vCPU at the end of the run. */
    public record ApState(int apicId, String mode, long cr0, long cr3, long cr4, long efer, int cs, long rip,
                          long rsp, long gdtrBase, int gdtrLimit, long idtrBase, int idtrLimit, String state) {
    }

    /** Engine counters at the end of the run. */
    public record EngineSummary(long blocksBuilt, long jumpCacheHits, long sharedCacheHits, long misses,
                                long invalidations, double hitRate, java.util.Map<String, Long> counters) {
    }

    public boolean success() {
        return failed == 0 && online == aps && !timedOut;
    }
}
