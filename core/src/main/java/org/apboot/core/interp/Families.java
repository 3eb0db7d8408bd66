package org.apboot.core.interp;

/** The list of executor families. New families add one line here. */
final class Families {
    private Families() {
    }

    static ExecutorTable.ExecutorFamily[] all() {
        return new ExecutorTable.ExecutorFamily[] {
            new SystemExecutors(),
            new IntegerExecutors(), new DataExecutors(), new ControlExecutors(), new StringExecutors(),
            new SegmentExecutors(), new FarExecutors(),
        };
    }
}
