package org.apboot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apboot.core.image.ElfImage;
import org.apboot.core.image.ImageException;
import org.apboot.core.image.InstalledTrampoline;
import org.apboot.core.image.MultibootImage;
import org.apboot.core.image.RealModeBlob;
import org.apboot.core.image.TrampolineSetup;
import org.apboot.core.mem.MemoryMap;
import org.apboot.core.mem.PhysicalMemory;

/**
 * What {@link X86Machine#loadElf}, {@link X86Machine#loadMultiboot} and
 * {@link X86Machine#loadRealModeBlob} do: parse (the image classes check the file), check that
 * every segment and the entry lie in guest memory, copy, zero the bss, for Multiboot build the
 * boot information and start vCPU 0, for a trampoline relocate it and fill its header.
 */
final class ImageLoading {
    private final X86Machine machine;
    private final MemoryMap map;

    ImageLoading(X86Machine machine, MemoryMap map) {
        this.machine = machine;
        this.map = map;
    }

    LoadedImage elf(String name, byte[] file) {
        ElfImage elf;
        try {
            elf = ElfImage.parse(name, file);
        } catch (ImageException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        return segments(name, elf.segments, elf.entry, elf.symbols);
    }

    LoadedImage multiboot(String name, byte[] file, String cmdline, long lowRamBytes) {
        long infoAt = X86Machine.MULTIBOOT_INFO;
        List<long[]> extra = new ArrayList<>();
        for (MemoryMap.Region r : map.regions()) {
            if (r.kind == MemoryMap.Kind.RAM && r.aliasOf == null) {
                extra.add(new long[] {r.base, r.size});
            }
        }
        MultibootImage mb;
        byte[] info;
        try {
            mb = MultibootImage.parse(name, file);
            info = MultibootImage.bootInformation(infoAt, lowRamBytes, extra, cmdline);
        } catch (ImageException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        for (ElfImage.Segment s : mb.segments) {
            if (s.physical() < infoAt + info.length && infoAt < s.physical() + s.memSize()) {
                throw new IllegalArgumentException(String.format("%s: the image at 0x%x-0x%x overlaps the boot information at 0x%x",
                        name, s.physical(), s.physical() + s.memSize() - 1, infoAt));
            }
        }
        LoadedImage img = segments(name, mb.segments, mb.entry, mb.symbols);
        machine.load(infoAt, info);
        VcpuHandle v = machine.vcpu(0);
        v.flat32(mb.entry, 0, false);
        v.set("rax", MultibootImage.BOOT_MAGIC & 0xFFFF_FFFFL).set("rbx", infoAt);
        return img;
    }

    LoadedImage realModeBlob(PhysicalMemory ram, String name, byte[] bin, byte[] relocs, byte[] elf, long base,
                             long kernelEntry, long efer, long cr4, long pgdEntry0) {
        InstalledTrampoline t;
        try {
            RealModeBlob blob = RealModeBlob.parse(name, bin, relocs, elf);
            t = blob.install(ram, base, new TrampolineSetup(kernelEntry, efer, cr4, 0, pgdEntry0));
        } catch (ImageException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        Map<String, Long> symbols = new LinkedHashMap<>();
        symbols.put("trampoline_start", t.trampolineStart());
        symbols.put("trampoline_start64", t.trampolineStart64());
        symbols.put("trampoline_header", t.header());
        symbols.put("trampoline_pgd", t.pgd());
        if (t.hasLock()) {
            symbols.put("tr_lock", t.lock());
        }
        return new LoadedImage(t.trampolineStart(), List.of(new MemoryRegion("ram", "segment", t.base(), t.size(), false)),
                Map.copyOf(symbols));
    }

    private LoadedImage segments(String name, List<ElfImage.Segment> segs, long entry, Map<String, Long> symbols) {
        for (ElfImage.Segment s : segs) {
            if (!map.backed(s.physical(), s.memSize())) {
                throw new IllegalArgumentException(String.format("%s: segment 0x%x-0x%x lies outside guest memory", name,
                        s.physical(), s.physical() + s.memSize() - 1));
            }
        }
        boolean entryInside = false;
        for (ElfImage.Segment s : segs) {
            long off = entry - s.virtual();
            entryInside |= off >= 0 && off < s.memSize();
        }
        if (!entryInside) {
            throw new IllegalArgumentException(String.format("%s: entry 0x%x lies outside the loaded image", name, entry));
        }
        List<MemoryRegion> out = new ArrayList<>();
        for (ElfImage.Segment s : segs) {
            machine.load(s.physical(), s.data());
            long zeros = s.memSize() - s.data().length;
            for (long p = s.physical() + s.data().length; zeros > 0; ) {
                int n = (int) Math.min(zeros, 1 << 20);
                machine.load(p, new byte[n]);
                p += n;
                zeros -= n;
            }
            out.add(new MemoryRegion("ram", "segment", s.physical(), s.memSize(), false));
        }
        return new LoadedImage(entry, List.copyOf(out), symbols);
    }
}
