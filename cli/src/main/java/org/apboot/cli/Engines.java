package org.apboot.cli;

import org.apboot.core.engine.EngineFactory;
import org.apboot.core.interp.Interpreter;
import org.apboot.jit.JitEngine;
import picocli.CommandLine;

/** Maps the {@code --engine} value to an engine. */
final class Engines {
    private Engines() {
    }

    static EngineFactory byName(String name, CommandLine cmd) {
        switch (name) {
            case "interp":
                return Interpreter::new;
            case "jit":
                return JitEngine::new;
            default:
                throw new CommandLine.ParameterException(cmd, "--engine must be interp or jit, got '" + name + "'");
        }
    }
}
