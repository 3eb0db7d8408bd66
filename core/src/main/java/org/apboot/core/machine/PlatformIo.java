package org.apboot.core.machine;

import org.apboot.core.mem.IoBus;

/**
 * The machine's I/O ports: a debug console at 0xE9 (bytes written are captured), an
 * output-only 16550-style UART at 0x3F8 (THR captured, LSR reads "transmitter empty"), and the
 * POST port 0x80. Other ports read all ones and ignore writes.
 */
public final class PlatformIo implements IoBus {
    public static final int DEBUG_CONSOLE = 0xE9;
    public static final int COM1 = 0x3F8;
    public static final int POST = 0x80;
    private static final int LSR_THR_EMPTY = 0x60;
    /** Keep at most this many captured characters per stream. */
    private static final int CAPTURE_LIMIT = 1 << 20;

    private final StringBuilder console = new StringBuilder();
    private final StringBuilder serial = new StringBuilder();
    private volatile int lastPost;

    @Override
    public int in(int cpuIndex, int port, int size) {
        if (port == COM1 + 5) {
            return LSR_THR_EMPTY;
        }
        if (port > COM1 && port <= COM1 + 7) {
            return 0;
        }
        return size == 4 ? -1 : (1 << (size * 8)) - 1;
    }

    @Override
    public void out(int cpuIndex, int port, int size, int value) {
        if (port == DEBUG_CONSOLE) {
            append(console, value);
        } else if (port == COM1) {
            append(serial, value);
        } else if (port == POST) {
            lastPost = value & 0xFF;
        }
    }

    private static void append(StringBuilder sb, int value) {
        synchronized (sb) {
            if (sb.length() < CAPTURE_LIMIT) {
                sb.append((char) (value & 0xFF));
            }
        }
    }

    /** Text written to the debug console port so far. */
    public String consoleText() {
        synchronized (console) {
            return console.toString();
        }
    }

    /** Text written to the serial port so far. */
    public String serialText() {
        synchronized (serial) {
            return serial.toString();
        }
    }

    public int lastPostCode() {
        return lastPost;
    }

    /** What the ports hold: the captured console and serial text and the last POST code. */
    public record Saved(String console, String serial, int lastPost) {
    }

    /** The ports' state now (a snapshot; no vCPU runs). */
    public Saved save() {
        return new Saved(consoleText(), serialText(), lastPost);
    }

    /**
     * Back to {@code s}. With {@code appendedSince} the caller knows the text captured now is
     * {@code s}'s text plus what was written after it, so cutting it to length suffices (what a
     * restore to the last snapshot costs, however long the text); otherwise it is replaced.
     */
    public void restore(Saved s, boolean appendedSince) {
        restore(console, s.console(), appendedSince);
        restore(serial, s.serial(), appendedSince);
        lastPost = s.lastPost();
    }

    private static void restore(StringBuilder sb, String text, boolean appendedSince) {
        synchronized (sb) {
            if (appendedSince && sb.length() >= text.length()) {
                sb.setLength(text.length());
            } else {
                sb.setLength(0);
                sb.append(text);
            }
        }
    }
}
