package org.apboot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DisasmCommandTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    static void oneLineError(Result r, String contains) {
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.startsWith("apboot: "), r.err);
        assertEquals(1, r.err.lines().count(), "one line: " + r.err);
        assertTrue(r.err.contains(contains), r.err);
        assertFalse(r.err.contains("Exception"), r.err);
    }

    @Test
    void hexBytesAsObjdumpLines() {
        Result r = run("disasm", "--mode", "32", "--hex", "66 90 89 c3");
        assertEquals(0, r.code, r.err);
        assertEquals("   0:\t66 90                \txchg   %ax,%ax\n"
                + "   2:\t89 c3                \tmov    %eax,%ebx\n", r.out.replace("\r\n", "\n"));
    }

    @Test
    void fileStreamWithBaseAndJson() throws Exception {
        Path f = tmp.resolve("code.bin");
        Files.write(f, new byte[] {(byte) 0xeb, (byte) 0xfe, (byte) 0xf4});
        Result r = run("disasm", "--mode", "16", "--file", f.toString(), "--base", "0x7c00", "--json");
        assertEquals(0, r.code, r.err);
        assertEquals("{\"insns\":[{\"offset\":31744,\"length\":2,\"bytes\":\"ebfe\",\"text\":\"jmp    0x7c00\"},"
                + "{\"offset\":31746,\"length\":1,\"bytes\":\"f4\",\"text\":\"hlt\"}]}", r.out.strip());
    }

    @Test
    void badAndTruncatedBytesAreOneByteBad() {
        Result r = run("disasm", "--mode", "64", "--hex", "06 b8 00", "--json");
        assertEquals(0, r.code, r.err);
        assertEquals("{\"insns\":[{\"offset\":0,\"length\":1,\"bytes\":\"06\",\"text\":\"(bad)\"},"
                + "{\"offset\":1,\"length\":1,\"bytes\":\"b8\",\"text\":\"(bad)\"},"
                + "{\"offset\":2,\"length\":1,\"bytes\":\"00\",\"text\":\"(bad)\"}]}", r.out.strip());
    }

    @Test
    void linesDecodeEachFromOffsetZero() throws Exception {
        Path f = tmp.resolve("lines.txt");
        Files.writeString(f, "0f 01 f8\n\n48 b8 11 22 33 44 55 66 77 88\nf0 0f c1 07 90\n");
        Result r = run("disasm", "--mode", "64", "--lines", f.toString(), "--json");
        assertEquals(0, r.code, r.err);
        assertEquals("{\"insns\":[{\"offset\":0,\"length\":3,\"bytes\":\"0f01f8\",\"text\":\"swapgs\"},"
                + "{\"offset\":0,\"length\":10,\"bytes\":\"48b81122334455667788\",\"text\":\"movabs $0x8877665544332211,%rax\"},"
                + "{\"offset\":0,\"length\":4,\"bytes\":\"f00fc107\",\"text\":\"lock xadd %eax,(%rdi)\"}]}",
                r.out.strip());
    }

    @Test
    void badInputIsOneLineExitTwo() {
        oneLineError(run("disasm", "--mode", "32", "--hex", "zz"), "not a hex byte");
        oneLineError(run("disasm", "--mode", "32", "--hex", "123"), "odd number");
        oneLineError(run("disasm", "--mode", "48", "--hex", "90"), "--mode");
        oneLineError(run("disasm", "--mode", "abc", "--hex", "90"), "abc");
        oneLineError(run("disasm", "--mode", "32"), "--hex");
        oneLineError(run("disasm", "--hex", "90", "--file", "x.bin"), "mutually exclusive");
        oneLineError(run("disasm", "--file", tmp.resolve("missing.bin").toString()), "cannot read");
        oneLineError(run("disasm", "--hex", "90", "--base", "nowhere"), "--base");
        oneLineError(run("disasm", "--bogus"), "--bogus");
        oneLineError(run("frobnicate"), "frobnicate");
        oneLineError(run(), "missing command");
    }

    @Test
    void helpAndVersion() {
        Result r = run("disasm", "--help");
        assertEquals(0, r.code);
        assertTrue(r.out.contains("--lines"), r.out);
        assertEquals(0, run("--version").code);
    }
}
