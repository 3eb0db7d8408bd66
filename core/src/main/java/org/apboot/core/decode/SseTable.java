package org.apboot.core.decode;

import static org.apboot.core.decode.Entry.*;

/**
 * MMX/SSE instructions of the 0F, 0F 38 and 0F 3A maps: recognised (correct length, name and
 * operands) but not implemented. Each row is {@code opcode:none,66,F3,F2[:flags[:forms]]} where
 * a name is the mnemonic under that mandatory prefix ({@code -} or missing: not valid) and flags
 * are {@code i} (imm8), {@code m} (memory operand only), {@code r} (register operand only),
 * {@code n} (no ModRM) and {@code s} (the ModRM.rm operand is the destination: stores).
 *
 * <p>Forms are {@link UnimplementedSyntax} operand forms, one for all prefixes or one per prefix
 * separated by {@code |}. Without them the operands are {@code [$imm,]rm,reg} ({@code reg,rm}
 * for stores) in XMM registers, or MMX registers for the unprefixed forms of the integer
 * instructions MMX shares with SSE2 (same name with and without 66).
 */
final class SseTable {
    private SseTable() {
    }

    private static final String[] MAP_0F = {
        "0e:femms:n", "0f:3dnow:i:",
        "10:movups,movupd,movss,movsd", "11:movups,movupd,movss,movsd:s",
        "12:movlps,movlpd,movsldup,movddup::W,V;R=movhlps|W,V", "13:movlps,movlpd:ms",
        "14:unpcklps,unpcklpd", "15:unpckhps,unpckhpd",
        "16:movhps,movhpd,movshdup::W,V;R=movlhps|W,V", "17:movhps,movhpd:ms",
        "28:movaps,movapd", "29:movaps,movapd:s",
        "2a:cvtpi2ps,cvtpi2pd,cvtsi2ss,cvtsi2sd::Q,V|Q,V|Ey,V;m|Ey,V;m",
        "2b:movntps,movntpd,movntss,movntsd:ms",
        "2c:cvttps2pi,cvttpd2pi,cvttss2si,cvttsd2si::W,P|W,P|W,Gy|W,Gy",
        "2d:cvtps2pi,cvtpd2pi,cvtss2si,cvtsd2si::W,P|W,P|W,Gy|W,Gy",
        "2e:ucomiss,ucomisd", "2f:comiss,comisd",
        "50:movmskps,movmskpd:r:W,Gy", "51:sqrtps,sqrtpd,sqrtss,sqrtsd",
        "52:rsqrtps,-,rsqrtss", "53:rcpps,-,rcpss",
        "54:andps,andpd", "55:andnps,andnpd", "56:orps,orpd", "57:xorps,xorpd",
        "58:addps,addpd,addss,addsd", "59:mulps,mulpd,mulss,mulsd",
        "5a:cvtps2pd,cvtpd2ps,cvtss2sd,cvtsd2ss", "5b:cvtdq2ps,cvtps2dq,cvttps2dq",
        "5c:subps,subpd,subss,subsd", "5d:minps,minpd,minss,minsd",
        "5e:divps,divpd,divss,divsd", "5f:maxps,maxpd,maxss,maxsd",
        "60:punpcklbw,punpcklbw", "61:punpcklwd,punpcklwd", "62:punpckldq,punpckldq",
        "63:packsswb,packsswb", "64:pcmpgtb,pcmpgtb", "65:pcmpgtw,pcmpgtw",
        "66:pcmpgtd,pcmpgtd", "67:packuswb,packuswb", "68:punpckhbw,punpckhbw",
        "69:punpckhwd,punpckhwd", "6a:punpckhdq,punpckhdq", "6b:packssdw,packssdw",
        "6c:-,punpcklqdq", "6d:-,punpckhqdq", "6e:movd,movd::Ey,P;W=movq|Ey,V;W=movq", "6f:movq,movdqa,movdqu",
        "70:pshufw,pshufd,pshufhw,pshuflw:i",
        "74:pcmpeqb,pcmpeqb", "75:pcmpeqw,pcmpeqw", "76:pcmpeqd,pcmpeqd", "77:emms:n",
        "78:vmread::Gq,Eq", "79:vmwrite::Eq,Gq",
        "7c:-,haddpd,-,haddps", "7d:-,hsubpd,-,hsubps",
        "7e:movd,movd,movq::P,Ey;W=movq|V,Ey;W=movq|W,V", "7f:movq,movdqa,movdqu:s",
        "c2:cmpps,cmppd,cmpss,cmpsd:i:I,W,V;cmp", "c3:movnti:m:Gy,Ey", "c4:pinsrw,pinsrw:i:I,Ed,P|I,Ed,V",
        "c5:pextrw,pextrw:ir:I,Q,Gd|I,W,Gd", "c6:shufps,shufpd:i",
        "d0:-,addsubpd,-,addsubps", "d1:psrlw,psrlw", "d2:psrld,psrld", "d3:psrlq,psrlq",
        "d4:paddq,paddq", "d5:pmullw,pmullw", "d6:-,movq,movq2dq,movdq2q:s:|V,W|Q,V|W,P", "d7:pmovmskb,pmovmskb:r:Q,Gy|W,Gy",
        "d8:psubusb,psubusb", "d9:psubusw,psubusw", "da:pminub,pminub", "db:pand,pand",
        "dc:paddusb,paddusb", "dd:paddusw,paddusw", "de:pmaxub,pmaxub", "df:pandn,pandn",
        "e0:pavgb,pavgb", "e1:psraw,psraw", "e2:psrad,psrad", "e3:pavgw,pavgw",
        "e4:pmulhuw,pmulhuw", "e5:pmulhw,pmulhw", "e6:-,cvttpd2dq,cvtdq2pd,cvtpd2dq",
        "e7:movntq,movntdq:ms",
        "e8:psubsb,psubsb", "e9:psubsw,psubsw", "ea:pminsw,pminsw", "eb:por,por",
        "ec:paddsb,paddsb", "ed:paddsw,paddsw", "ee:pmaxsw,pmaxsw", "ef:pxor,pxor",
        "f0:-,-,-,lddqu:m", "f1:psllw,psllw", "f2:pslld,pslld", "f3:psllq,psllq",
        "f4:pmuludq,pmuludq", "f5:pmaddwd,pmaddwd", "f6:psadbw,psadbw",
        "f7:maskmovq,maskmovdqu:r:Q,P|W,V",
        "f8:psubb,psubb", "f9:psubw,psubw", "fa:psubd,psubd", "fb:psubq,psubq",
        "fc:paddb,paddb", "fd:paddw,paddw", "fe:paddd,paddd",
    };

    private static final String[] MAP_38 = {
        "00:pshufb,pshufb", "01:phaddw,phaddw", "02:phaddd,phaddd", "03:phaddsw,phaddsw",
        "04:pmaddubsw,pmaddubsw", "05:phsubw,phsubw", "06:phsubd,phsubd", "07:phsubsw,phsubsw",
        "08:psignb,psignb", "09:psignw,psignw", "0a:psignd,psignd", "0b:pmulhrsw,pmulhrsw",
        "10:-,pblendvb::X0,W,V", "14:-,blendvps::X0,W,V", "15:-,blendvpd::X0,W,V", "17:-,ptest",
        "1c:pabsb,pabsb", "1d:pabsw,pabsw", "1e:pabsd,pabsd",
        "20:-,pmovsxbw", "21:-,pmovsxbd", "22:-,pmovsxbq", "23:-,pmovsxwd", "24:-,pmovsxwq",
        "25:-,pmovsxdq", "28:-,pmuldq", "29:-,pcmpeqq", "2a:-,movntdqa:m", "2b:-,packusdw",
        "30:-,pmovzxbw", "31:-,pmovzxbd", "32:-,pmovzxbq", "33:-,pmovzxwd", "34:-,pmovzxwq",
        "35:-,pmovzxdq", "37:-,pcmpgtq", "38:-,pminsb", "39:-,pminsd", "3a:-,pminuw",
        "3b:-,pminud", "3c:-,pmaxsb", "3d:-,pmaxsd", "3e:-,pmaxuw", "3f:-,pmaxud",
        "40:-,pmulld", "41:-,phminposuw",
        "80:-,invept:m:Eq,Gq", "81:-,invvpid:m:Eq,Gq", "82:-,invpcid:m:Eq,Gq",
        "c8:sha1nexte", "c9:sha1msg1", "ca:sha1msg2", "cb:sha256rnds2::X0,W,V", "cc:sha256msg1",
        "cd:sha256msg2", "cf:-,gf2p8mulb",
        "db:-,aesimc", "dc:-,aesenc", "dd:-,aesenclast", "de:-,aesdec", "df:-,aesdeclast",
        "f0:movbe,movbe,-,crc32::Ev,Gv|Ev,Gv||Eb,Gy;m", "f1:movbe,movbe,-,crc32::Gv,Ev|Gv,Ev||Ev,Gy;m",
        "f5:-,wrussd:m:Gy,Ey;W=wrussq", "f6:wrssd,adcx,adox::Gy,Ey;W=wrssq|Ey,Gy|Ey,Gy",
        "f8:-,movdir64b,enqcmds,enqcmd:m:Ey,Ga", "f9:movdiri:m:Gy,Ey", "fc:aadd,aand,axor,aor:m:Gy,Ey",
    };

    private static final String[] MAP_3A = {
        "08:-,roundps:i", "09:-,roundpd:i", "0a:-,roundss:i", "0b:-,roundsd:i",
        "0c:-,blendps:i", "0d:-,blendpd:i", "0e:-,pblendw:i", "0f:palignr,palignr:i",
        "14:-,pextrb::I,V,Ed", "15:-,pextrw::I,V,Ed", "16:-,pextrd::I,V,Ey;W=pextrq",
        "17:-,extractps::I,V,Ed", "20:-,pinsrb::I,Ed,V", "21:-,insertps:i", "22:-,pinsrd::I,Ey,V;W=pinsrq",
        "40:-,dpps:i", "41:-,dppd:i", "42:-,mpsadbw:i", "44:-,pclmulqdq::I,W,V;clmul",
        "60:-,pcmpestrm::I,W,V;q", "61:-,pcmpestri::I,W,V;q", "62:-,pcmpistrm:i", "63:-,pcmpistri:i",
        "cc:sha1rnds4:i", "ce:-,gf2p8affineqb:i", "cf:-,gf2p8affineinvqb:i",
        "df:-,aeskeygenassist:i",
    };

    /** Shift-by-immediate groups 0F 71/72/73 (register forms only), names by ModRM.reg. */
    private static final String[][] SHIFT_GROUPS = {
        {null, null, "psrlw", null, "psraw", null, "psllw", null},
        {null, null, "psrld", null, "psrad", null, "pslld", null},
        {null, null, "psrlq", null, null, null, "psllq", null},
    };

    /** Names whose register form is another instruction or undefined: memory operand only. */
    private static final java.util.Set<String> MEMORY_ONLY = java.util.Set.of("movbe", "movlpd", "movhpd",
            "wrssd");
    /** Names defined for register operands only (the memory forms are other instructions). */
    private static final java.util.Set<String> REGISTER_ONLY = java.util.Set.of("movq2dq", "movdq2q");

    static void fill() {
        long[][] two = {OpcodeTable.TWO, OpcodeTable.TWO_66, OpcodeTable.TWO_F3, OpcodeTable.TWO_F2};
        load(MAP_0F, two, false);
        load(MAP_38, OpcodeTable.T38, false);
        load(MAP_3A, OpcodeTable.T3A, true);
        // HRESET is F3 0F 3A F0 with ModRM C0 only: a group with that one member
        long[] hreset = new long[8 + 64];
        hreset[8] = OpcodeTable.unimpl("hreset", "=I", I_BU, 0);
        OpcodeTable.T3A[2][0xF0] = OpcodeTable.groupOf(hreset, 0);
        for (int g = 0; g < 3; g++) {
            for (int pfx = 0; pfx < 2; pfx++) {
                long[] m = new long[16];
                for (int r = 0; r < 8; r++) {
                    String n = SHIFT_GROUPS[g][r];
                    if (g == 2 && pfx == 1 && (r == 3 || r == 7)) {
                        n = r == 3 ? "psrldq" : "pslldq";
                    }
                    if (n != null) {
                        m[8 + r] = OpcodeTable.unimpl(n, pfx == 0 ? "I,Q" : "I,W", I_BU, 0);
                    }
                }
                two[pfx][0x71 + g] = OpcodeTable.groupOf(m, F_SSE);
            }
        }
    }

    private static void load(String[] rows, long[][] tables, boolean imm8) {
        for (String row : rows) {
            String[] parts = row.split(":", -1);
            int opcode = Integer.parseInt(parts[0], 16);
            String[] names = parts[1].split(",", -1);
            String fl = parts.length > 2 ? parts[2] : "";
            String[] forms = parts.length > 3 ? parts[3].split("\\|", -1) : null;
            int imm = imm8 || fl.indexOf('i') >= 0 ? I_BU : I_NONE;
            int flags = F_SSE;
            if (fl.indexOf('m') >= 0) {
                flags |= F_MEM;
            }
            if (fl.indexOf('r') >= 0) {
                flags |= F_REGONLY;
            }
            boolean modrm = fl.indexOf('n') < 0;
            for (int pfx = 0; pfx < names.length && pfx < 4; pfx++) {
                String n = names[pfx];
                if (n.isEmpty() || n.equals("-")) {
                    continue;
                }
                int f = flags | (MEMORY_ONLY.contains(n) ? F_MEM : 0) | (REGISTER_ONLY.contains(n) ? F_REGONLY : 0);
                String form;
                if (!modrm) {
                    form = "";
                } else if (forms != null) {
                    form = forms[Math.min(pfx, forms.length - 1)];
                } else {
                    boolean mmx = pfx == 0 && (names.length > 1 && n.equals(names[1])
                            || n.equals("movq") || n.equals("pshufw") || n.equals("movntq"));
                    String rm = mmx ? "Q" : "W";
                    String reg = mmx ? "P" : "V";
                    form = (imm != I_NONE ? "I," : "") + (fl.indexOf('s') >= 0 ? reg + "," + rm : rm + "," + reg);
                }
                if (pfx >= 2) {
                    form = "=" + form; // the F3/F2 prefix is part of the opcode, not a REP
                }
                tables[pfx][opcode] = modrm
                        ? OpcodeTable.unimpl(n, form, imm, f | F_MODRM)
                        : OpcodeTable.unimplNoModrm(n, form, imm, f);
            }
        }
    }
}
