package org.apboot;

/**
 * A segment register with its descriptor cache, as {@link VcpuHandle#segment} reads and writes it.
 *
 * @param selector the visible selector
 * @param base the cached base address
 * @param limit the cached limit in bytes (granularity already applied)
 * @param attributes the cached descriptor attributes: type (bits 0-3), S (4), DPL (5-6), P (7),
 *     AVL (12), L (13), D/B (14), G (15)
 */
public record SegmentState(int selector, long base, long limit, int attributes) {
}
