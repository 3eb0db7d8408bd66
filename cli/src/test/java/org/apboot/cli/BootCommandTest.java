package org.apboot.cli;

import static org.apboot.cli.DisasmCommandTest.oneLineError;
import static org.apboot.cli.DisasmCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apboot.cli.DisasmCommandTest.Result;
import org.junit.jupiter.api.Test;

/** {@code apboot boot} and {@code apboot trace} as a user runs them: output, JSON, exit codes. */
class BootCommandTest {
    @Test
    void summaryOfASuccessfulBoot() {
        Result r = run("boot", "--aps", "16");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("apboot: 16/16 APs online, 0 failed  (sipi path, cpu generic, 4-level paging, engine jit"),
                r.out());
        assertTrue(r.out().contains("APs per second"), r.out());
        assertTrue(r.out().contains("guest console     apboot: 16 APs online"), r.out());
    }

    @Test
    void jsonCarriesCountsAndTheFinalStateOfAnAp() {
        Result r = run("boot", "--aps", "16", "--path", "mailbox64", "--paging", "5", "--threads", "2", "--json");
        assertEquals(0, r.code(), r.err());
        String j = r.out().strip();
        assertTrue(j.startsWith("{\"aps\":16,\"online\":16,\"failed\":0,\"engine\":\"jit\",\"path\":\"mailbox64\",\"cpu\":\"generic\""), j);
        assertTrue(j.contains("\"failures\":[]"), j);
        assertTrue(j.contains("\"finalState\":{\"apicId\":1,\"cr0\":\"0x80050033\",\"cr3\":\"0x103000\",\"cr4\":\"0x10a0\","
                + "\"efer\":\"0xd01\",\"cs\":\"0x10\""), j);
        assertTrue(j.contains("\"mode\":\"long64\""), j);
        assertTrue(j.contains("\"gdtr\":{"), j);
        assertEquals(1, j.lines().count(), "one object on one line");
    }

    @Test
    void failedApsGiveExitOneAndTheirFaultChain() {
        Result r = run("boot", "--aps", "4", "--path", "mailbox64", "--cpu", "tdx", "--variant", "efer-always", "--json");
        assertEquals(1, r.code(), r.err());
        String j = r.out();
        assertTrue(j.contains("\"online\":0,\"failed\":4"), j);
        assertTrue(j.contains("\"instruction\":\"wrmsr\""), j);
        assertTrue(j.contains("\"faultChain\":[\"#VE"), j);
        assertTrue(j.contains("triple fault"), j);
    }

    @Test
    void sixByteIdtVariantWarns() {
        Result r = run("boot", "--aps", "4", "--path", "mailbox64", "--variant", "idt6");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("warning: 4 AP(s) ended with a non-zero IDT base (first: 0x1800000000"), r.out());
    }

    @Test
    void translatorBootsEveryApAndReportsItsCounters() {
        Result r = run("boot", "--aps", "8", "--path", "mailbox64", "--engine", "jit", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"online\":8,\"failed\":0"), r.out());
        assertTrue(r.out().contains("\"engine\":\"jit\""), r.out());
        assertTrue(r.out().contains("\"blocks translated\":"), r.out());
    }

    @Test
    void repeatReportsColdAndWarmRuns() {
        Result r = run("boot", "--aps", "8", "--repeat", "3", "--json");
        assertEquals(0, r.code(), r.err());
        String j = r.out();
        assertTrue(j.contains("\"cold\":{\"wallSeconds\":"), j);
        assertTrue(j.contains("\"warm\":{\"wallSeconds\":"), j);
        assertTrue(j.contains("\"runs\":3"), j);
        Result text = run("boot", "--aps", "8", "--repeat", "2");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("warm runs"), text.out());
        oneLineError(run("boot", "--repeat", "0"), "--repeat must be between 1 and 1000");
    }

    @Test
    void compareRunsBothEnginesAndComparesEveryAp() {
        Result r = run("compare", "--aps", "8", "--path", "mailbox64", "--repeat", "2", "--json");
        assertEquals(0, r.code(), r.err());
        String j = r.out();
        assertTrue(j.startsWith("{\"interp\":{\"aps\":8,\"online\":8"), j);
        assertTrue(j.contains("\"jit\":{\"aps\":8,\"online\":8"), j);
        assertTrue(j.contains("\"statesAgree\":true"), j);
        assertTrue(j.contains("\"speedup\":"), j);
        Result text = run("compare", "--aps", "8", "--repeat", "2");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("final states                 agree for every vCPU"), text.out());
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        oneLineError(run("boot", "--aps", "0"), "--aps must be between 1 and");
        oneLineError(run("boot", "--aps", "99999999"), "--aps must be between 1 and");
        oneLineError(run("boot", "--path", "smoke-signals"), "--path must be sipi or mailbox64");
        oneLineError(run("boot", "--cpu", "tdx"), "mailbox");
        oneLineError(run("boot", "--engine", "qemu"), "--engine must be interp or jit");
        oneLineError(run("boot", "--paging", "3"), "--paging must be 4 or 5");
        oneLineError(run("boot", "--work", "calibrate:many"), "calibrate:ITER");
        oneLineError(run("boot", "--variant", "nope"), "unknown --variant");
        oneLineError(run("boot", "--blob", "/nonexistent/rm"), "not a directory");
        oneLineError(run("boot", "--frobnicate"), "Unknown option");
    }

    @Test
    void traceShowsModesAndInstructionsOfOneAp() {
        Result r = run("trace", "--ap", "2", "--aps", "2", "--limit", "3");
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        assertTrue(out.startsWith("-- AP 2 starts in real16 at 1100:0"), out);
        assertTrue(out.contains("real16   1100:00000000  cli"), out);
        assertTrue(out.contains("-- mode prot16"), out);
        assertTrue(out.contains("-- mode long64"), out);
        assertTrue(out.contains("more instructions not printed (--limit 3)"), out);
        assertTrue(out.contains("-- AP 2 ends halted in long64"), out);
        oneLineError(run("trace", "--ap", "9", "--aps", "2"), "--ap must be between 0 and 2");
    }
}
