#!/usr/bin/env python3
"""Extract the relocation table of a trampoline blob.

Input: the trampoline linked at 0 as ELF32 with --emit-relocs.
Output: the relocation file format the kernel's setup_real_mode() consumes:
  u32 count of 16-bit segment relocations, then that many u32 blob offsets
  (each a u16 the loader overwrites with base >> 4), then
  u32 count of 32-bit linear relocations, then that many u32 blob offsets
  (each a u32 the loader adds the base to).
All little-endian, offsets sorted ascending.

Classification:
  R_386_16 against the symbol real_mode_seg      -> segment relocation
  R_386_32 against a symbol named pa_*           -> linear relocation
  R_386_32 against any other symbol              -> error (missing pa_ prefix)
  R_386_16 / R_386_PC32 / R_386_PC16 otherwise   -> position independent, skipped
Offsets are file offsets in the flat image: the image is linked at 0, so an
address is an offset (r_offset is an address in a linked executable).
"""
import struct
import sys

R_386_32, R_386_PC32, R_386_16, R_386_PC16 = 1, 2, 20, 21
SHT_SYMTAB, SHT_REL, SHT_RELA = 2, 9, 4


def fail(msg):
    sys.stderr.write("rmrelocs: " + msg + "\n")
    sys.exit(1)


def main(elf_path, out_path):
    data = open(elf_path, "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        fail(elf_path + ": not a little-endian ELF32 file")
    e_type, = struct.unpack_from("<H", data, 0x10)
    executable = e_type == 2  # ET_EXEC: r_offset is an address, else section-relative
    e_shoff, = struct.unpack_from("<I", data, 0x20)
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", data, 0x2E)
    sections = []
    for i in range(e_shnum):
        sections.append(struct.unpack_from("<IIIIIIIIII", data, e_shoff + i * e_shentsize))
    symtab = next((s for s in sections if s[1] == SHT_SYMTAB), None)
    if symtab is None:
        fail(elf_path + ": no symbol table")
    strtab = sections[symtab[6]]

    def cstr(off):
        end = data.index(b"\0", off)
        return data[off:end].decode()

    def symbol(index):
        name, value, size, info, other, shndx = struct.unpack_from("<IIIBBH", data, symtab[4] + index * 16)
        return cstr(strtab[4] + name), value, shndx

    seg, lin = set(), set()
    for sec in sections:
        if sec[1] == SHT_RELA:
            fail("unexpected RELA section")
        if sec[1] != SHT_REL:
            continue
        target = sections[sec[7]]
        if not (target[2] & 2):  # SHF_ALLOC
            continue
        for j in range(sec[5] // 8):
            r_offset, r_info = struct.unpack_from("<II", data, sec[4] + j * 8)
            rtype, rsym = r_info & 0xFF, r_info >> 8
            name, _, _ = symbol(rsym)
            where = r_offset if executable else target[3] + r_offset
            if rtype == R_386_16:
                if name == "real_mode_seg":
                    seg.add(where)
            elif rtype == R_386_32:
                if name.startswith("pa_"):
                    lin.add(where)
                else:
                    fail("absolute 32-bit reference at 0x%x to %r needs a pa_ symbol"
                         % (where, name or "<section>"))
            elif rtype in (R_386_PC32, R_386_PC16):
                pass
            else:
                fail("unsupported relocation type %d at 0x%x" % (rtype, where))

    out = struct.pack("<I", len(seg)) + b"".join(struct.pack("<I", o) for o in sorted(seg))
    out += struct.pack("<I", len(lin)) + b"".join(struct.pack("<I", o) for o in sorted(lin))
    open(out_path, "wb").write(out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail("usage: rmrelocs.py realmode.elf realmode.relocs")
    main(sys.argv[1], sys.argv[2])
