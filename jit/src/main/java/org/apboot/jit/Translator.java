package org.apboot.jit;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.apboot.core.interp.DecodedBlock;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.util.Textifier;
import org.objectweb.asm.util.TraceClassVisitor;

/**
 * Translation of one decoded block, outside any cache: what the code cache does on a miss, open
 * to benchmarks and to tools that show emitted code.
 */
public final class Translator {
    private Translator() {
    }

    /**
     * Translates {@code block} (decoded for code size {@code codeSize}: 16, 32 or 64) into a loaded
     * block: the longest prefix whose method stays below HotSpot's compilation limit.
     */
    public static CompiledBlock translate(DecodedBlock block, int codeSize) {
        return translate(List.of(block), new int[] {codeSize})[0];
    }

    /**
     * Translates a batch of blocks into one class, defined once; block {@code k} was decoded for
     * code size {@code codeSizes[k]}. A block whose method would exceed HotSpot's compilation
     * limit is cut to its longest prefix that fits.
     */
    public static CompiledBlock[] translate(List<DecodedBlock> blocks, int[] codeSizes) {
        int[] counts = new int[blocks.size()];
        for (int k = 0; k < counts.length; k++) {
            counts[k] = blocks.get(k).insns.length;
        }
        while (true) {
            List<BlockCompiler.Member> members = new ArrayList<>();
            for (int k = 0; k < counts.length; k++) {
                members.add(new BlockCompiler.Member(blocks.get(k), counts[k], codeSizes[k]));
            }
            BlockCompiler.Result r = BlockCompiler.compile(members);
            boolean fits = true;
            for (int k = 0; k < counts.length; k++) {
                if (r.sizes()[k] > BlockCompiler.MAX_METHOD_BYTES && counts[k] > 1) {
                    counts[k] = Math.max(1, counts[k] / 2);
                    fits = false;
                }
            }
            if (fits) {
                CompiledBlock[] out = BlockLoader.define(r, members);
                for (int k = 0; k < out.length; k++) {
                    out[k].bytecodeBytes = r.sizes()[k];
                }
                return out;
            }
        }
    }

    /** The class bytes for {@code block} without loading them. */
    public static byte[] classBytes(DecodedBlock block, int codeSize) {
        return BlockCompiler.compile(block, block.insns.length, codeSize).bytes();
    }

    /** The emitted method of {@code block} (alone in its class), as ASM's Textifier renders it. */
    public static String listing(DecodedBlock block, int codeSize) {
        StringWriter out = new StringWriter();
        Textifier t = new Textifier();
        new ClassReader(classBytes(block, codeSize)).accept(new TraceClassVisitor(null, t, null), ClassReader.SKIP_FRAMES);
        t.print(new PrintWriter(out));
        String all = out.toString();
        int at = all.indexOf(" b0(");
        return all.substring(all.lastIndexOf('\n', at) + 1);
    }
}
