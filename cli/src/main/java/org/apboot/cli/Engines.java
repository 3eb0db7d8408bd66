package org.apboot.cli;

import org.apboot.core.engine.EngineFactory;
import org.apboot.core.interp.Interpreter;
import org.apboot.jit.JitEngine;
import picocli.CommandLine;

/** Maps the {@code --engine} value to an engine. */
final class Engines {
    static final String DEFAULT = "jit";

    private Engines() {
    }

    /** Checks an engine name: {@code interp} or {@code jit}. */
    static String check(String name, CommandLine cmd) {
        if (!name.equals("interp") && !name.equals("jit")) {
            throw new CommandLine.ParameterException(cmd, "--engine must be interp or jit, got '" + name + "'");
        }
        return name;
    }

    /** A fresh engine per machine. */
    static EngineFactory byName(String name, CommandLine cmd) {
        return check(name, cmd).equals("jit") ? JitEngine::new : Interpreter::new;
    }

    /**
     * An engine kept across the machines of repeated runs: the translator moves to each new
     * machine with its code cache ({@link JitEngine#attach}); the interpreter's cache of decoded
     * blocks is carried over to each new machine ({@link Interpreter#keptAcrossMachines}).
     */
    static EngineFactory kept(String name, CommandLine cmd) {
        if (check(name, cmd).equals("interp")) {
            return Interpreter.keptAcrossMachines();
        }
        return JitEngine.keptAcrossMachines();
    }
}
