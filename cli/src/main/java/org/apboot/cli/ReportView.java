package org.apboot.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apboot.core.scenario.BootReport;

/** Renders a {@link BootReport} as the human summary or as the JSON object of {@code boot --json}. */
final class ReportView {
    private ReportView() {
    }

    static Map<String, Object> json(BootReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("aps", r.aps());
        m.put("online", r.online());
        m.put("failed", r.failed());
        m.put("engine", r.engine());
        m.put("path", r.path());
        m.put("cpu", r.cpu());
        m.put("paging", r.paging());
        m.put("trampoline", r.trampoline());
        m.put("policy", r.policy());
        m.put("work", r.work());
        m.put("setupSeconds", r.setupSeconds());
        m.put("wallSeconds", r.wallSeconds());
        m.put("apsPerSecond", r.apsPerSecond());
        m.put("guestInstructions", r.guestInstructions());
        Map<String, Object> modes = new LinkedHashMap<>();
        for (int i = 0; i < BootReport.MODES.size(); i++) {
            modes.put(BootReport.MODES.get(i), r.instructionsByMode()[i]);
        }
        m.put("instructionsByMode", modes);
        m.put("timedOut", r.timedOut());
        BootReport.EngineSummary e = r.engineStats();
        Map<String, Object> es = new LinkedHashMap<>();
        es.put("blocksBuilt", e.blocksBuilt());
        es.put("jumpCacheHits", e.jumpCacheHits());
        es.put("sharedCacheHits", e.sharedCacheHits());
        es.put("misses", e.misses());
        es.put("hitRate", e.hitRate());
        es.put("invalidations", e.invalidations());
        e.counters().forEach(es::put);
        m.put("engineStats", es);
        var ms = r.machineStats();
        Map<String, Object> mst = new LinkedHashMap<>();
        mst.put("initIpis", ms.initIpis());
        mst.put("startupIpis", ms.startupIpis());
        mst.put("ignoredIpis", ms.ignoredIpis());
        mst.put("interruptIpis", ms.interruptIpis());
        mst.put("droppedIpis", ms.droppedIpis());
        mst.put("parks", ms.parks());
        mst.put("wakes", ms.wakes());
        mst.put("computeHandoffs", ms.computeHandoffs());
        mst.put("pageWalks", ms.pageWalks());
        m.put("machineStats", mst);
        List<Object> fails = new ArrayList<>();
        for (BootReport.Failure f : r.failures()) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("apicId", f.apicId());
            fm.put("mode", f.mode());
            fm.put("rip", Json.hex(f.rip()));
            fm.put("instruction", f.instruction());
            fm.put("faultChain", f.faultChain());
            fm.put("problem", f.problem());
            fm.put("state", f.state());
            fails.add(fm);
        }
        m.put("failures", fails);
        m.put("warnings", r.warnings());
        BootReport.ApState s = r.finalState();
        Map<String, Object> fs = new LinkedHashMap<>();
        fs.put("apicId", s.apicId());
        fs.put("cr0", Json.hex(s.cr0()));
        fs.put("cr3", Json.hex(s.cr3()));
        fs.put("cr4", Json.hex(s.cr4()));
        fs.put("efer", Json.hex(s.efer()));
        fs.put("cs", Json.hex(s.cs()));
        fs.put("rip", Json.hex(s.rip()));
        fs.put("rsp", Json.hex(s.rsp()));
        fs.put("gdtr", Map.of("base", Json.hex(s.gdtrBase()), "limit", Json.hex(s.gdtrLimit())));
        fs.put("idtr", Map.of("base", Json.hex(s.idtrBase()), "limit", Json.hex(s.idtrLimit())));
        fs.put("mode", s.mode());
        m.put("finalState", fs);
        m.put("heapBytesUsed", r.heapBytesUsed());
        m.put("heapBytesPerVcpu", r.heapBytesPerVcpu());
        return m;
    }

    static void text(BootReport r, PrintWriter out) {
        out.printf("apboot: %d/%d APs online, %d failed  (%s path, cpu %s, %d-level paging, engine %s, %s bring-up, work %s)%n",
                r.online(), r.aps(), r.failed(), r.path(), r.cpu(), r.paging(), r.engine(), r.policy(), r.work());
        out.printf("  trampoline        %s%n", r.trampoline());
        out.printf("  setup time        %.3f s  (building the machine, before the run)%n", r.setupSeconds());
        out.printf("  wall time         %.3f s%s%n", r.wallSeconds(), r.timedOut() ? "  (TIMED OUT)" : "");
        out.printf("  APs per second    %,.0f%n", r.apsPerSecond());
        out.printf("  guest instructions %,d  (%,d per AP)%n", r.guestInstructions(),
                r.aps() == 0 ? 0 : r.guestInstructions() / (r.aps() + 1));
        StringBuilder modes = new StringBuilder();
        for (int i = 0; i < BootReport.MODES.size(); i++) {
            if (r.instructionsByMode()[i] != 0) {
                modes.append(String.format("  %s %,d", BootReport.MODES.get(i), r.instructionsByMode()[i]));
            }
        }
        out.printf("  by mode          %s%n", modes);
        BootReport.EngineSummary e = r.engineStats();
        out.printf("  engine            %,d blocks built, cache hit rate %.4f, %,d invalidations%n",
                e.blocksBuilt(), e.hitRate(), e.invalidations());
        if (!e.counters().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            e.counters().forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(String.format("%s %,d", k, v)));
            out.printf("  engine counters   %s%n", sb);
        }
        var ms = r.machineStats();
        out.printf("  machine           %,d INIT, %,d SIPI, %,d parks, %,d wake-ups, %,d handed to helper threads,"
                + " %,d page walks%n", ms.initIpis(), ms.startupIpis(), ms.parks(), ms.wakes(), ms.computeHandoffs(),
                ms.pageWalks());
        out.printf("  heap after run    %,d MiB (%,d bytes per vCPU beyond guest RAM)%n",
                r.heapBytesUsed() >> 20, r.heapBytesPerVcpu());
        if (!r.console().isEmpty()) {
            out.printf("  guest console     %s%n", r.console().strip().replace("\n", "\n                    "));
        }
        for (String w : r.warnings()) {
            out.println("  warning: " + w);
        }
        for (BootReport.Failure f : r.failures()) {
            out.printf("  FAILED AP %d: %s%n      %s rip=0x%x  %s%n", f.apicId(), f.problem(), f.mode(), f.rip(), f.instruction());
            for (String c : f.faultChain()) {
                out.println("      fault: " + c);
            }
        }
        if (r.failed() > r.failures().size()) {
            out.printf("  ... and %d more failed APs%n", r.failed() - r.failures().size());
        }
    }
}
