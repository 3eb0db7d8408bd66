package org.apboot.core.engine;

import org.apboot.core.mem.PhysicalMemory;

/** Creates an engine for a machine's RAM; how embedders and the CLI pick an engine. */
@FunctionalInterface
public interface EngineFactory {
    Engine create(PhysicalMemory ram);
}
