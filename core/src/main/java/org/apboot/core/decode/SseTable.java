package org.apboot.core.decode;

import static org.apboot.core.decode.Entry.*;

/**
 * MMX/SSE instructions of the 0F, 0F 38 and 0F 3A maps: recognised (correct length and name) but
 * not implemented. Each row is {@code opcode:none,66,F3,F2[:flags]} where a name is the mnemonic
 * under that mandatory prefix ({@code -} or missing: not valid) and flags are {@code i} (imm8),
 * {@code m} (memory operand only), {@code r} (register operand only), {@code n} (no ModRM).
 */
final class SseTable {
    private SseTable() {
    }

    private static final String[] MAP_0F = {
        "0e:femms::::n", "0f:3dnow:::i",
        "10:movups,movupd,movss,movsd", "11:movups,movupd,movss,movsd",
        "12:movlps,movlpd,movsldup,movddup", "13:movlps,movlpd:m",
        "14:unpcklps,unpcklpd", "15:unpckhps,unpckhpd",
        "16:movhps,movhpd,movshdup", "17:movhps,movhpd:m",
        "28:movaps,movapd", "29:movaps,movapd",
        "2a:cvtpi2ps,cvtpi2pd,cvtsi2ss,cvtsi2sd", "2b:movntps,movntpd:m",
        "2c:cvttps2pi,cvttpd2pi,cvttss2si,cvttsd2si", "2d:cvtps2pi,cvtpd2pi,cvtss2si,cvtsd2si",
        "2e:ucomiss,ucomisd", "2f:comiss,comisd",
        "50:movmskps,movmskpd:r", "51:sqrtps,sqrtpd,sqrtss,sqrtsd",
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
        "6c:-,punpcklqdq", "6d:-,punpckhqdq", "6e:movd,movd", "6f:movq,movdqa,movdqu",
        "70:pshufw,pshufd,pshufhw,pshuflw:i",
        "74:pcmpeqb,pcmpeqb", "75:pcmpeqw,pcmpeqw", "76:pcmpeqd,pcmpeqd", "77:emms::::n",
        "78:vmread", "79:vmwrite",
        "7c:-,haddpd,-,haddps", "7d:-,hsubpd,-,hsubps",
        "7e:movd,movd,movq", "7f:movq,movdqa,movdqu",
        "c2:cmpps,cmppd,cmpss,cmpsd:i", "c3:movnti:m", "c4:pinsrw,pinsrw:i",
        "c5:pextrw,pextrw:ir", "c6:shufps,shufpd:i",
        "d0:-,addsubpd,-,addsubps", "d1:psrlw,psrlw", "d2:psrld,psrld", "d3:psrlq,psrlq",
        "d4:paddq,paddq", "d5:pmullw,pmullw", "d6:-,movq", "d7:pmovmskb,pmovmskb:r",
        "d8:psubusb,psubusb", "d9:psubusw,psubusw", "da:pminub,pminub", "db:pand,pand",
        "dc:paddusb,paddusb", "dd:paddusw,paddusw", "de:pmaxub,pmaxub", "df:pandn,pandn",
        "e0:pavgb,pavgb", "e1:psraw,psraw", "e2:psrad,psrad", "e3:pavgw,pavgw",
        "e4:pmulhuw,pmulhuw", "e5:pmulhw,pmulhw", "e6:-,cvttpd2dq,cvtdq2pd,cvtpd2dq",
        "e7:movntq,movntdq:m",
        "e8:psubsb,psubsb", "e9:psubsw,psubsw", "ea:pminsw,pminsw", "eb:por,por",
        "ec:paddsb,paddsb", "ed:paddsw,paddsw", "ee:pmaxsw,pmaxsw", "ef:pxor,pxor",
        "f0:-,-,-,lddqu:m", "f1:psllw,psllw", "f2:pslld,pslld", "f3:psllq,psllq",
        "f4:pmuludq,pmuludq", "f5:pmaddwd,pmaddwd", "f6:psadbw,psadbw",
        "f7:maskmovq,maskmovdqu:r",
        "f8:psubb,psubb", "f9:psubw,psubw", "fa:psubd,psubd", "fb:psubq,psubq",
        "fc:paddb,paddb", "fd:paddw,paddw", "fe:paddd,paddd",
    };

    private static final String[] MAP_38 = {
        "00:pshufb,pshufb", "01:phaddw,phaddw", "02:phaddd,phaddd", "03:phaddsw,phaddsw",
        "04:pmaddubsw,pmaddubsw", "05:phsubw,phsubw", "06:phsubd,phsubd", "07:phsubsw,phsubsw",
        "08:psignb,psignb", "09:psignw,psignw", "0a:psignd,psignd", "0b:pmulhrsw,pmulhrsw",
        "10:-,pblendvb", "14:-,blendvps", "15:-,blendvpd", "17:-,ptest",
        "1c:pabsb,pabsb", "1d:pabsw,pabsw", "1e:pabsd,pabsd",
        "20:-,pmovsxbw", "21:-,pmovsxbd", "22:-,pmovsxbq", "23:-,pmovsxwd", "24:-,pmovsxwq",
        "25:-,pmovsxdq", "28:-,pmuldq", "29:-,pcmpeqq", "2a:-,movntdqa:m", "2b:-,packusdw",
        "30:-,pmovzxbw", "31:-,pmovzxbd", "32:-,pmovzxbq", "33:-,pmovzxwd", "34:-,pmovzxwq",
        "35:-,pmovzxdq", "37:-,pcmpgtq", "38:-,pminsb", "39:-,pminsd", "3a:-,pminuw",
        "3b:-,pminud", "3c:-,pmaxsb", "3d:-,pmaxsd", "3e:-,pmaxuw", "3f:-,pmaxud",
        "40:-,pmulld", "41:-,phminposuw",
        "80:-,invept:m", "81:-,invvpid:m", "82:-,invpcid:m",
        "c8:sha1nexte", "c9:sha1msg1", "ca:sha1msg2", "cb:sha256rnds2", "cc:sha256msg1",
        "cd:sha256msg2", "cf:-,gf2p8mulb",
        "db:-,aesimc", "dc:-,aesenc", "dd:-,aesenclast", "de:-,aesdec", "df:-,aesdeclast",
        "f0:movbe,movbe,-,crc32b", "f1:movbe,movbe,-,crc32",
        "f6:-,adcx,adox",
    };

    private static final String[] MAP_3A = {
        "08:-,roundps:i", "09:-,roundpd:i", "0a:-,roundss:i", "0b:-,roundsd:i",
        "0c:-,blendps:i", "0d:-,blendpd:i", "0e:-,pblendw:i", "0f:palignr,palignr:i",
        "14:-,pextrb:i", "15:-,pextrw:i", "16:-,pextrd:i", "17:-,extractps:i",
        "20:-,pinsrb:i", "21:-,insertps:i", "22:-,pinsrd:i",
        "40:-,dpps:i", "41:-,dppd:i", "42:-,mpsadbw:i", "44:-,pclmulqdq:i",
        "60:-,pcmpestrm:i", "61:-,pcmpestri:i", "62:-,pcmpistrm:i", "63:-,pcmpistri:i",
        "cc:sha1rnds4:i", "ce:-,gf2p8affineqb:i", "cf:-,gf2p8affineinvqb:i",
        "df:-,aeskeygenassist:i",
    };

    /** Shift-by-immediate groups 0F 71/72/73 (register forms only), names by ModRM.reg. */
    private static final String[][] SHIFT_GROUPS = {
        {null, null, "psrlw", null, "psraw", null, "psllw", null},
        {null, null, "psrld", null, "psrad", null, "pslld", null},
        {null, null, "psrlq", null, null, null, "psllq", null},
    };

    static void fill() {
        long[][] two = {OpcodeTable.TWO, OpcodeTable.TWO_66, OpcodeTable.TWO_F3, OpcodeTable.TWO_F2};
        load(MAP_0F, two, false);
        load(MAP_38, OpcodeTable.T38, false);
        load(MAP_3A, OpcodeTable.T3A, true);
        for (int g = 0; g < 3; g++) {
            for (int pfx = 0; pfx < 2; pfx++) {
                long[] m = new long[16];
                for (int r = 0; r < 8; r++) {
                    String n = SHIFT_GROUPS[g][r];
                    if (g == 2 && pfx == 1 && (r == 3 || r == 7)) {
                        n = r == 3 ? "psrldq" : "pslldq";
                    }
                    if (n != null) {
                        m[8 + r] = OpcodeTable.unimpl(n, I_BU, 0);
                    }
                }
                two[pfx][0x71 + g] = OpcodeTable.groupOf(m, 0);
            }
        }
    }

    private static void load(String[] rows, long[][] tables, boolean imm8) {
        for (String row : rows) {
            String[] parts = row.split(":", -1);
            int opcode = Integer.parseInt(parts[0], 16);
            String[] names = parts[1].split(",", -1);
            String fl = parts.length > 2 ? parts[parts.length - 1] : "";
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
                int f = n.equals("movbe") || n.equals("movlpd") || n.equals("movhpd") ? flags | F_MEM : flags;
                tables[pfx][opcode] = modrm
                        ? OpcodeTable.unimpl(n, imm, f | F_MODRM)
                        : OpcodeTable.unimplNoModrm(n, imm, f);
            }
        }
    }
}
