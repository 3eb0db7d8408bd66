package org.apboot.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code apboot}: the command-line front end. Subcommands are listed in {@link #SUBCOMMANDS}; a new
 * one only needs to be a picocli {@code @Command} class added there.
 *
 * <p>Exit codes: 0 success, 1 the command ran and reported failure (or an internal error), 2 bad
 * input. Errors are one line, {@code apboot: <message>}, never a stack trace (set
 * {@code APBOOT_DEBUG=1} to see one).
 */
@Command(name = "apboot", mixinStandardHelpOptions = true, version = "apboot 0.1.0",
        description = "Boots x86 application processors the way Linux does, on an interpreter or a translator.")
public final class Main implements Runnable {
    /** Exit code for bad input: unknown options, malformed values, unreadable files. */
    public static final int EXIT_USAGE = 2;
    /** Exit code for a failure reported by the command, or an internal error. */
    public static final int EXIT_FAILURE = 1;

    /** Subcommand classes, in help order. */
    static final Class<?>[] SUBCOMMANDS = {BootCommand.class, CompareCommand.class, TraceCommand.class, RunCommand.class, DisasmCommand.class,
        BenchCommand.class, ReportCommand.class};

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try 'apboot --help')");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (used by {@link #main} and by tests). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        for (Class<?> c : SUBCOMMANDS) {
            cl.addSubcommand(c);
        }
        cl.setParameterExceptionHandler((ex, args) -> {
            error(ex.getCommandLine().getErr(), ex.getMessage(), ex);
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof InputException || ex instanceof IllegalArgumentException) {
                error(cmd.getErr(), ex.getMessage(), ex);
                return EXIT_USAGE;
            }
            error(cmd.getErr(), "internal error: " + ex, ex);
            return EXIT_FAILURE;
        });
        return cl;
    }

    /** Prints {@code apboot: <first line of message>}. */
    static void error(PrintWriter err, String message, Throwable cause) {
        String m = message == null || message.isBlank() ? String.valueOf(cause) : message;
        int nl = m.indexOf('\n');
        if (nl >= 0) {
            m = m.substring(0, nl);
        }
        err.println("apboot: " + m.strip());
        if (System.getenv("APBOOT_DEBUG") != null && cause != null) {
            cause.printStackTrace(err);
        }
        err.flush();
    }

    /** Bad user input found while a command runs (exit 2, one-line message). */
    public static final class InputException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public InputException(String message) {
            super(message);
        }
    }
}
