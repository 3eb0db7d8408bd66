package org.apboot.jit;

import java.io.PrintWriter;
import java.io.StringWriter;
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
        int count = block.insns.length;
        while (true) {
            BlockCompiler.Result r = BlockCompiler.compile(block, count, codeSize);
            if (r.methodBytes() <= BlockCompiler.MAX_METHOD_BYTES || count == 1) {
                CompiledBlock b = BlockLoader.define(r.bytes(), block, count);
                b.bytecodeBytes = r.methodBytes();
                return b;
            }
            count = Math.max(1, count / 2);
        }
    }

    /** The class bytes for {@code block} without loading them. */
    public static byte[] classBytes(DecodedBlock block, int codeSize) {
        return BlockCompiler.compile(block, block.insns.length, codeSize).bytes();
    }

    /** Bytes of bytecode in {@code b}'s {@code execute} method. */
    public static int bytecodeBytes(CompiledBlock b) {
        return b.bytecodeBytes;
    }

    /** The emitted {@code execute} method of {@code block}, as ASM's Textifier renders it. */
    public static String listing(DecodedBlock block, int codeSize) {
        StringWriter out = new StringWriter();
        Textifier t = new Textifier();
        new ClassReader(classBytes(block, codeSize)).accept(new TraceClassVisitor(null, t, null), ClassReader.SKIP_FRAMES);
        t.print(new PrintWriter(out));
        String all = out.toString();
        int at = all.indexOf("execute(");
        return all.substring(all.lastIndexOf('\n', at) + 1);
    }
}
