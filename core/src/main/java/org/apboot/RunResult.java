package org.apboot;

/**
 * How a run ended.
 *
 * @param exit {@code hlt} (the vCPU halted, or with several vCPUs nothing can run any more),
 *     {@code exit-port} (the guest wrote {@code status} to port 0xF4), {@code fault} (a vCPU shut
 *     down after an exception it could not deliver: a triple fault; {@code fault} says why),
 *     {@code shutdown} (the guest asked for a reset through port 0x64 or 0xCF9), {@code limit}
 *     (the instruction count or the timeout of the {@link RunLimits}), {@code stop}
 *     ({@link X86Machine#stop()} was called) or {@code address} (the vCPU reached the
 *     {@link RunLimits#until} address)
 * @param status the value written to the exit port, else 0
 * @param cpu the vCPU that ended the run, or -1 when the machine as a whole did
 * @param instructions guest instructions retired in this run (all vCPUs)
 * @param seconds host time the run took (loading and set-up excluded)
 * @param fault the fault chain of a {@code fault} exit, else null
 */
public record RunResult(String exit, long status, int cpu, long instructions, double seconds, String fault) {
}
