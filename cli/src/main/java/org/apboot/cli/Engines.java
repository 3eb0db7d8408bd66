package org.apboot.cli;

import org.apboot.core.engine.EngineFactory;
import org.apboot.core.interp.Interpreter;
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
                throw new CommandLine.ParameterException(cmd,
                        "--engine jit: the translator is not part of this build yet; use --engine interp");
            default:
                throw new CommandLine.ParameterException(cmd, "--engine must be interp or jit, got '" + name + "'");
        }
    }
}
