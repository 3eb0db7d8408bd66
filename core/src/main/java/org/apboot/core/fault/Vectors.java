package org.apboot.core.fault;

/** Exception vector numbers and their names, as the manual lists them. */
public final class Vectors {
    public static final int DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7,
            DF = 8, TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18,
            XM = 19, VE = 20, CP = 21;

    private static final String[] NAMES = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MF9", "#TS", "#NP",
        "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP"
    };

    private Vectors() {
    }

    public static String name(int vector) {
        return vector >= 0 && vector < NAMES.length ? NAMES[vector] : "INT " + vector;
    }

    /** True for the exceptions that push an error code. */
    public static boolean hasErrorCode(int vector) {
        return vector == DF || vector == TS || vector == NP || vector == SS || vector == GP
                || vector == PF || vector == AC || vector == CP;
    }

    /** Contributory exceptions for the double-fault rules (#DE, #TS, #NP, #SS, #GP). */
    public static boolean contributory(int vector) {
        return vector == DE || vector == TS || vector == NP || vector == SS || vector == GP;
    }
}
