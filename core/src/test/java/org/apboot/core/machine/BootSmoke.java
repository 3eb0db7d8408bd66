package org.apboot.core.machine;

import org.apboot.core.cpu.Cpu;
import org.apboot.core.decode.AttSyntax;
import org.apboot.core.decode.Insn;
import org.apboot.core.engine.Tracer;
import org.apboot.core.fault.CpuException;
import org.apboot.core.image.BootParams.WakePath;
import org.apboot.core.interp.Interpreter;

/** Manual smoke run (not a test): prints a report; args: aps path [traceCpu maxLines]. */
public final class BootSmoke {
    public static void main(String[] args) {
        BootConfig cfg = BootConfig.defaults().withAps(Integer.parseInt(args[0]))
                .withPath(args[1].equals("sipi") ? WakePath.SIPI : WakePath.MAILBOX64).withTimeout(5);
        if (args.length > 5) {
            cfg = cfg.withProfile(org.apboot.core.cpu.CpuProfile.parse(args[5]));
        }
        if (args.length > 4) {
            cfg = cfg.withVariant(args[4]);
        }
        BootScenario s = new BootScenario(cfg, Interpreter::new);
        if (args.length > 2) {
            int who = Integer.parseInt(args[2]);
            int max = Integer.parseInt(args[3]);
            int[] n = {0};
            s.setTracer(new Tracer() {
                @Override
                public void beforeInstruction(Cpu cpu, Insn insn, long rip) {
                    if (cpu.index == who && n[0]++ < max) {
                        System.out.printf("%s %04x:%08x  %-40s rax=%x rcx=%x rdx=%x rbx=%x rsp=%x rsi=%x rdi=%x%n", cpu.modeName(),
                                cpu.seg[1].selector, rip, AttSyntax.render(insn, rip), cpu.r[0], cpu.r[1], cpu.r[2], cpu.r[3],
                                cpu.r[4], cpu.r[6], cpu.r[7]);
                    }
                }

                @Override
                public void fault(Cpu cpu, CpuException e) {
                    if (cpu.index == who && n[0] < max) {
                        System.out.println("  FAULT " + e);
                    }
                }
            });
        }
        BootReport r = s.run(null);
        System.out.println("online " + r.online() + "/" + r.aps() + " failed " + r.failed() + " wall " + r.wallSeconds()
                + " instr " + r.guestInstructions() + " timedOut " + r.timedOut());
        System.out.println("console: " + r.console());
        r.failures().stream().limit(5).forEach(System.out::println);
        r.warnings().forEach(System.out::println);
        System.out.println("BSP: " + BootScenario.apState(s.machine().vcpu(0)) + " " + s.machine().vcpu(0).cpu.faultChain
                + " insn " + BootScenario.instructionAt(s.machine().vcpu(0).cpu));
        System.out.println(r.finalState());
        System.out.println(r.engineStats() + " " + r.machineStats());
        for (int i = 0; i < 2; i++) {
            Vcpu v = s.machine().vcpu(i);
            System.out.printf("vcpu %d poll seg=%d off=%x val=%x size=%d flags op=%d size=%d d=%x s=%x park phys=%x size=%d val=%x eq=%s%n",
                    i, v.cpu.pollSeg, v.cpu.pollOffset, v.cpu.pollValue, v.cpu.pollSize, v.cpu.flagOp, v.cpu.flagSize,
                    v.cpu.flagDst, v.cpu.flagSrc, v.parkPhys, v.parkSize, v.parkValue, v.parkUntilEqual);
        }
    }
}
