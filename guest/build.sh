#!/bin/sh
# Builds every guest image into the resource folder (or the folder given as
# $1).  Deterministic: the same sources and binutils give the same bytes.
#
#   guest/build.sh [outdir]
#
# Needs: as, ld, objcopy, nm (GNU binutils) and python3.
set -eu

GUEST=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$GUEST/../core/src/main/resources/org/apboot/guest}
AS=${AS:-as}
LD=${LD:-ld}
OBJCOPY=${OBJCOPY:-objcopy}
NM=${NM:-nm}
PYTHON=${PYTHON:-python3}

LDFLAGS_EXTRA=
if "$LD" --help 2>/dev/null | grep -q -- --no-warn-rwx-segments; then
	LDFLAGS_EXTRA=--no-warn-rwx-segments
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

# Relative source paths keep host paths out of the objects.
cd "$GUEST"
export LC_ALL=C

# symbol map: "name hexvalue" per defined non-absolute symbol, sorted by name
symmap() {
	"$NM" --defined-only "$1" | awk '$2 !~ /^[aA]$/ && $3 !~ /^pa_/ { print $3, $1 }' | sort > "$2"
}

# trampoline <folder> [--defsym NAME=1 ...]
trampoline() {
	dir=$1; shift
	w=$WORK/$dir
	mkdir -p "$w" "$OUT/$dir"
	for src in header trampoline verify_cpu stubs; do
		"$AS" --32 -I include "$@" -o "$w/$src.o" "trampoline/$src.S"
	done
	"$NM" -g --defined-only "$w"/*.o | awk 'NF == 3 { print "pa_" $3 " = " $3 ";" }' | sort -u > "$w/pasyms.lds"
	"$LD" -m elf_i386 -n --emit-relocs --build-id=none $LDFLAGS_EXTRA -T trampoline/trampoline.lds \
		-o "$w/realmode.elf" "$w/header.o" "$w/trampoline.o" "$w/verify_cpu.o" "$w/stubs.o" "$w/pasyms.lds"
	"$OBJCOPY" -O binary "$w/realmode.elf" "$OUT/$dir/realmode.bin"
	"$PYTHON" tools/rmrelocs.py "$w/realmode.elf" "$OUT/$dir/realmode.relocs"
	# the committed ELF keeps only what the loader reads: sections and symbols
	"$OBJCOPY" --strip-debug --remove-section='.rel*' "$w/realmode.elf" "$OUT/$dir/realmode.elf"
	symmap "$w/realmode.elf" "$OUT/$dir/realmode.map"
}

# flat64 <name> <dir> <sources...>
flat64() {
	name=$1; dir=$2; shift 2
	w=$WORK/$name
	mkdir -p "$w"
	objs=
	for src in "$@"; do
		"$AS" --64 -I include -I "$dir" -o "$w/$src.o" "$dir/$src.S"
		objs="$objs $w/$src.o"
	done
	# shellcheck disable=SC2086
	"$LD" -m elf_x86_64 -n --build-id=none -z noexecstack $LDFLAGS_EXTRA -T "$dir/$name.lds" -o "$w/$name.elf" $objs
	"$OBJCOPY" -O binary "$w/$name.elf" "$OUT/$name.bin"
	symmap "$w/$name.elf" "$OUT/$name.map"
}

trampoline trampoline
trampoline trampoline-efer-always --defsym EFER_ALWAYS=1
trampoline trampoline-cr0-no-ne --defsym CR0_NO_NE=1
trampoline trampoline-idt6 --defsym IDT6=1
trampoline trampoline-no-lock --defsym NO_LOCK=1
flat64 firmware firmware firmware
flat64 kernel kernel head

cat > "$OUT/README.md" <<'TXT'
# Generated files: do not edit

Everything in this folder except this README's source is written by `guest/build.sh`
from the sources in `guest/`. Rebuild with `guest/build.sh` and commit the result;
a test checks that a rebuild reproduces these bytes exactly.
TXT
