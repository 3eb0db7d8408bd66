package org.apboot;

/** General registers, in encoding order. */
public enum Reg {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15
}
