package org.apboot.core.decode;

import static org.apboot.core.decode.Entry.*;

/**
 * VEX-encoded (C4/C5) instructions: AVX/AVX2 forms of the SSE instructions, the AVX-only
 * permutes, broadcasts and 128-bit lane moves, VAES/VPCLMULQDQ, the BMI1/BMI2 general-purpose
 * instructions, VLDMXCSR/VSTMXCSR (VZEROUPPER/VZEROALL, without ModRM, are the decoder's).
 * Recognised (length, name and operands, rendered as objdump does) but not implemented. VEX
 * opcodes not listed are invalid (#UD), among them the extensions beyond these that objdump
 * decodes: AVX-512 opmask instructions, AMX, FMA4, AVX-VNNI, AVX-IFMA, AVX-NE-CONVERT, CMPccXADD.
 *
 * <p>Rows are {@code opcode:none,66,F3,F2[:flags[:forms]]} by VEX.pp like {@link SseTable}, with
 * {@link UnimplementedSyntax} forms where {@code H} is the VEX.vvvv vector register, {@code B}
 * <i>s</i> the VEX.vvvv general register, {@code L} the register in imm8[7:4], and vector
 * operands are YMM when VEX.L is 1 unless written {@code Vx}/{@code Wx}/{@code Hx}. Forms
 * without {@code H}/{@code B} require VEX.vvvv = 1111. Flags: {@code i} imm8 (every map 0F 3A
 * form has one without it), {@code m} memory only, {@code r} register only, {@code 1} 128-bit
 * only, {@code 2} 256-bit only, {@code 0} VEX.W = 0 only, {@code q} VEX.W = 1 only; like forms,
 * flags may be given per VEX.pp.
 */
final class VexTable {
    private VexTable() {
    }

    private static final String P3 = "W,H,V";

    private static final String[] MAP_0F = {
        "10:vmovups,vmovupd,vmovss,vmovsd::W,V|W,V|Wx,Hx,Vx/Wx,Vx",
        // (objdump widens the register destination of a VEX.L = 1 store form of VMOVSS/VMOVSD)
        "11:vmovups,vmovupd,vmovss,vmovsd::V,W|V,W|Vx,Hx,W/Vx,Wx",
        "12:vmovlps,vmovlpd,vmovsldup,vmovddup:1|m1|:Wx,Hx,Vx;R=vmovhlps|Wx,Hx,Vx|W,V|W,V",
        "13:vmovlps,vmovlpd:m1:Vx,Wx", "14:vunpcklps,vunpcklpd::" + P3, "15:vunpckhps,vunpckhpd::" + P3,
        "16:vmovhps,vmovhpd,vmovshdup:1|m1|:Wx,Hx,Vx;R=vmovlhps|Wx,Hx,Vx|W,V",
        "17:vmovhps,vmovhpd:m1:Vx,Wx", "28:vmovaps,vmovapd::W,V", "29:vmovaps,vmovapd::V,W",
        "2a:-,-,vcvtsi2ss,vcvtsi2sd::Ey,Hx,Vx;m", "2b:vmovntps,vmovntpd:m:V,W",
        "2c:-,-,vcvttss2si,vcvttsd2si::Wx,Gy", "2d:-,-,vcvtss2si,vcvtsd2si::Wx,Gy",
        "2e:vucomiss,vucomisd::Wx,Vx", "2f:vcomiss,vcomisd::Wx,Vx", "50:vmovmskps,vmovmskpd:r:W,Gy",
        "51:vsqrtps,vsqrtpd,vsqrtss,vsqrtsd::W,V|W,V|Wx,Hx,Vx", "52:vrsqrtps,-,vrsqrtss::W,V|W,V|Wx,Hx,Vx",
        "53:vrcpps,-,vrcpss::W,V|W,V|Wx,Hx,Vx", "54:vandps,vandpd::" + P3, "55:vandnps,vandnpd::" + P3,
        "56:vorps,vorpd::" + P3, "57:vxorps,vxorpd::" + P3,
        "58:vaddps,vaddpd,vaddss,vaddsd::W,H,V|W,H,V|Wx,Hx,Vx", "59:vmulps,vmulpd,vmulss,vmulsd::W,H,V|W,H,V|Wx,Hx,Vx",
        "5a:vcvtps2pd,vcvtpd2ps,vcvtss2sd,vcvtsd2ss::Wx,V|W,Vx;xy|Wx,Hx,Vx",
        "5b:vcvtdq2ps,vcvtps2dq,vcvttps2dq::W,V",
        "5c:vsubps,vsubpd,vsubss,vsubsd::W,H,V|W,H,V|Wx,Hx,Vx", "5d:vminps,vminpd,vminss,vminsd::W,H,V|W,H,V|Wx,Hx,Vx",
        "5e:vdivps,vdivpd,vdivss,vdivsd::W,H,V|W,H,V|Wx,Hx,Vx", "5f:vmaxps,vmaxpd,vmaxss,vmaxsd::W,H,V|W,H,V|Wx,Hx,Vx",
        "60:-,vpunpcklbw::" + P3, "61:-,vpunpcklwd::" + P3, "62:-,vpunpckldq::" + P3, "63:-,vpacksswb::" + P3,
        "64:-,vpcmpgtb::" + P3, "65:-,vpcmpgtw::" + P3, "66:-,vpcmpgtd::" + P3, "67:-,vpackuswb::" + P3,
        "68:-,vpunpckhbw::" + P3, "69:-,vpunpckhwd::" + P3, "6a:-,vpunpckhdq::" + P3, "6b:-,vpackssdw::" + P3,
        "6c:-,vpunpcklqdq::" + P3, "6d:-,vpunpckhqdq::" + P3, "6e:-,vmovd:1:Ey,Vx;W=vmovq",
        "6f:-,vmovdqa,vmovdqu::W,V", "70:-,vpshufd,vpshufhw,vpshuflw:i:I,W,V",
        "74:-,vpcmpeqb::" + P3, "75:-,vpcmpeqw::" + P3, "76:-,vpcmpeqd::" + P3,
        "7c:-,vhaddpd,-,vhaddps::" + P3, "7d:-,vhsubpd,-,vhsubps::" + P3,
        "7e:-,vmovd,vmovq:1:Vx,Ey;W=vmovq|Vx,Ey;W=vmovq|Wx,Vx", "7f:-,vmovdqa,vmovdqu::V,W",
        "c2:vcmpps,vcmppd,vcmpss,vcmpsd:i:I,W,H,V;cmp|I,W,H,V;cmp|I,Wx,Hx,Vx;cmp",
        "c4:-,vpinsrw:i1:I,Ed,Hx,Vx", "c5:-,vpextrw:ir1:I,Wx,Gd", "c6:vshufps,vshufpd:i:I,W,H,V",
        "d0:-,vaddsubpd,-,vaddsubps::" + P3, "d1:-,vpsrlw::Wx,H,V", "d2:-,vpsrld::Wx,H,V",
        "d3:-,vpsrlq::Wx,H,V", "d4:-,vpaddq::" + P3, "d5:-,vpmullw::" + P3, "d6:-,vmovq:1:Vx,Wx",
        "d7:-,vpmovmskb:r:W,Gy", "d8:-,vpsubusb::" + P3, "d9:-,vpsubusw::" + P3, "da:-,vpminub::" + P3,
        "db:-,vpand::" + P3, "dc:-,vpaddusb::" + P3, "dd:-,vpaddusw::" + P3, "de:-,vpmaxub::" + P3,
        "df:-,vpandn::" + P3, "e0:-,vpavgb::" + P3, "e1:-,vpsraw::Wx,H,V", "e2:-,vpsrad::Wx,H,V",
        "e3:-,vpavgw::" + P3, "e4:-,vpmulhuw::" + P3, "e5:-,vpmulhw::" + P3,
        "e6:-,vcvttpd2dq,vcvtdq2pd,vcvtpd2dq::W,Vx;xy|W,Vx;xy|Wx,V|W,Vx;xy", "e7:-,vmovntdq:m:V,W",
        "e8:-,vpsubsb::" + P3, "e9:-,vpsubsw::" + P3, "ea:-,vpminsw::" + P3, "eb:-,vpor::" + P3,
        "ec:-,vpaddsb::" + P3, "ed:-,vpaddsw::" + P3, "ee:-,vpmaxsw::" + P3, "ef:-,vpxor::" + P3,
        "f0:-,-,-,vlddqu:m:W,V", "f1:-,vpsllw::Wx,H,V", "f2:-,vpslld::Wx,H,V", "f3:-,vpsllq::Wx,H,V",
        "f4:-,vpmuludq::" + P3, "f5:-,vpmaddwd::" + P3, "f6:-,vpsadbw::" + P3, "f7:-,vmaskmovdqu:r1:Wx,Vx",
        "f8:-,vpsubb::" + P3, "f9:-,vpsubw::" + P3, "fa:-,vpsubd::" + P3, "fb:-,vpsubq::" + P3,
        "fc:-,vpaddb::" + P3, "fd:-,vpaddw::" + P3, "fe:-,vpaddd::" + P3,
    };

    private static final String[] MAP_38 = {
        "00:-,vpshufb::" + P3, "01:-,vphaddw::" + P3, "02:-,vphaddd::" + P3, "03:-,vphaddsw::" + P3,
        "04:-,vpmaddubsw::" + P3, "05:-,vphsubw::" + P3, "06:-,vphsubd::" + P3, "07:-,vphsubsw::" + P3,
        "08:-,vpsignb::" + P3, "09:-,vpsignw::" + P3, "0a:-,vpsignd::" + P3, "0b:-,vpmulhrsw::" + P3,
        "0c:-,vpermilps:0:" + P3, "0d:-,vpermilpd:0:" + P3, "0e:-,vtestps:0:W,V", "0f:-,vtestpd:0:W,V",
        "13:-,vcvtph2ps:0:Wx,V", "16:-,vpermps:02:" + P3, "17:-,vptest::W,V",
        "18:-,vbroadcastss:0:Wx,V", "19:-,vbroadcastsd:02:Wx,V", "1a:-,vbroadcastf128:m02:W,V",
        "1c:-,vpabsb::W,V", "1d:-,vpabsw::W,V", "1e:-,vpabsd::W,V",
        "20:-,vpmovsxbw::Wx,V", "21:-,vpmovsxbd::Wx,V", "22:-,vpmovsxbq::Wx,V", "23:-,vpmovsxwd::Wx,V",
        "24:-,vpmovsxwq::Wx,V", "25:-,vpmovsxdq::Wx,V", "28:-,vpmuldq::" + P3, "29:-,vpcmpeqq::" + P3,
        "2a:-,vmovntdqa:m:W,V", "2b:-,vpackusdw::" + P3, "2c:-,vmaskmovps:m0:" + P3,
        "2d:-,vmaskmovpd:m0:" + P3, "2e:-,vmaskmovps:m0:V,H,W", "2f:-,vmaskmovpd:m0:V,H,W",
        "30:-,vpmovzxbw::Wx,V", "31:-,vpmovzxbd::Wx,V", "32:-,vpmovzxbq::Wx,V", "33:-,vpmovzxwd::Wx,V",
        "34:-,vpmovzxwq::Wx,V", "35:-,vpmovzxdq::Wx,V", "36:-,vpermd:02:" + P3, "37:-,vpcmpgtq::" + P3,
        "38:-,vpminsb::" + P3, "39:-,vpminsd::" + P3, "3a:-,vpminuw::" + P3, "3b:-,vpminud::" + P3,
        "3c:-,vpmaxsb::" + P3, "3d:-,vpmaxsd::" + P3, "3e:-,vpmaxuw::" + P3, "3f:-,vpmaxud::" + P3,
        "40:-,vpmulld::" + P3, "41:-,vphminposuw:1:Wx,Vx", "45:-,vpsrlvd::W,H,V;w=vpsrlvq",
        "46:-,vpsravd:0:" + P3, "47:-,vpsllvd::W,H,V;w=vpsllvq", "58:-,vpbroadcastd:0:Wx,V",
        "59:-,vpbroadcastq:0:Wx,V", "5a:-,vbroadcasti128:m02:W,V", "78:-,vpbroadcastb:0:Wx,V",
        "79:-,vpbroadcastw:0:Wx,V", "8c:-,vpmaskmovd:m:W,H,V;w=vpmaskmovq", "8e:-,vpmaskmovd:m:V,H,W;w=vpmaskmovq",
        "cf:-,vgf2p8mulb:0:" + P3, "db:-,vaesimc:1:Wx,Vx", "dc:-,vaesenc::" + P3, "dd:-,vaesenclast::" + P3, "de:-,vaesdec::" + P3,
        "df:-,vaesdeclast::" + P3, "f2:andn:1:Ey,By,Gy", "f5:bzhi,-,pext,pdep:1:By,Ey,Gy|Ey,By,Gy",
        "f6:-,-,-,mulx:1:Ey,By,Gy", "f7:bextr,shlx,sarx,shrx:1:By,Ey,Gy",
    };

    private static final String[] MAP_3A = {
        "00:-,vpermq:2q:I,W,V", "01:-,vpermpd:2q:I,W,V", "02:-,vpblendd:0:I,W,H,V", "04:-,vpermilps:0:I,W,V",
        "05:-,vpermilpd:0:I,W,V", "06:-,vperm2f128:02:I,W,H,V", "08:-,vroundps::I,W,V", "09:-,vroundpd::I,W,V",
        "0a:-,vroundss::I,Wx,Hx,Vx", "0b:-,vroundsd::I,Wx,Hx,Vx", "0c:-,vblendps::I,W,H,V",
        "0d:-,vblendpd::I,W,H,V", "0e:-,vpblendw::I,W,H,V", "0f:-,vpalignr::I,W,H,V",
        "14:-,vpextrb:1:I,Vx,Ed", "15:-,vpextrw:1:I,Vx,Ed", "16:-,vpextrd:1:I,Vx,Ey;W=vpextrq",
        "17:-,vextractps:1:I,Vx,Ed", "18:-,vinsertf128:02:I,Wx,H,V", "19:-,vextractf128:02:I,V,Wx",
        "1d:-,vcvtps2ph:0:I,V,Wx", "20:-,vpinsrb:1:I,Ed,Hx,Vx", "21:-,vinsertps:1:I,Wx,Hx,Vx",
        "22:-,vpinsrd:1:I,Ey,Hx,Vx;W=vpinsrq", "38:-,vinserti128:02:I,Wx,H,V", "39:-,vextracti128:02:I,V,Wx",
        "40:-,vdpps::I,W,H,V", "41:-,vdppd:1:I,W,H,V", "42:-,vmpsadbw::I,W,H,V",
        "44:-,vpclmulqdq::I,W,H,V;clmul", "46:-,vperm2i128:02:I,W,H,V", "4a:-,vblendvps:0:L,W,H,V",
        "4b:-,vblendvpd:0:L,W,H,V", "4c:-,vpblendvb:0:L,W,H,V", "60:-,vpcmpestrm:1:I,Wx,Vx;q",
        "61:-,vpcmpestri:1:I,Wx,Vx;q", "62:-,vpcmpistrm:1:I,Wx,Vx", "63:-,vpcmpistri:1:I,Wx,Vx",
        "ce:-,vgf2p8affineqb:q:I,W,H,V", "cf:-,vgf2p8affineinvqb:q:I,W,H,V",
        "df:-,vaeskeygenassist:1:I,Wx,Vx", "f0:-,-,-,rorx:1:I,Ey,Gy",
    };

    /** Rule bits ({@link OpcodeTable#VEX_RULES}): which VEX.L/VEX.W/VEX.vvvv values are defined. */
    static final int L128_ONLY = 1, L256_ONLY = 2, W0_ONLY = 4, W1_ONLY = 8, NO_VVVV_REG = 16, NO_VVVV_MEM = 32;

    /** FMA3 (66 0F 38 96-BF): operation by the low nibble, operand order by the high one. */
    private static final String[] FMA = {"fmaddsub", "fmsubadd", "fmadd", "fmadd", "fmsub", "fmsub", "fnmadd",
        "fnmadd", "fnmsub", "fnmsub"};

    /** Fills {@link OpcodeTable#VEX} and {@link OpcodeTable#VEX_RULES} (from the OpcodeTable initialisation). */
    static void fill() {
        load(MAP_0F, 0);
        load(MAP_38, 1);
        String[] fma = new String[30];
        for (int i = 0; i < 30; i++) {
            int order = i / 10;
            String op = "v" + FMA[i % 10] + new String[] {"132", "213", "231"}[order];
            int opcode = 0x96 + order * 0x10 + i % 10;
            boolean scalar = i % 10 >= 3 && (i % 10) % 2 == 1; // odd opcodes from 99 on
            fma[i] = Integer.toHexString(opcode) + ":-," + op + (scalar ? "ss" : "ps") + "::"
                    + (scalar ? "Wx,Hx,Vx;w=" + op + "sd" : "W,H,V;w=" + op + "pd");
        }
        load(fma, 1);
        load(MAP_3A, 2); // (the decoder reads the imm8 every map 0F 3A form has)
        // shift-by-immediate groups (66 0F 71-73): the destination is VEX.vvvv
        String[][] shifts = {
            {null, null, "vpsrlw", null, "vpsraw", null, "vpsllw", null},
            {null, null, "vpsrld", null, "vpsrad", null, "vpslld", null},
            {null, null, "vpsrlq", "vpsrldq", null, null, "vpsllq", "vpslldq"}};
        for (int g = 0; g < 3; g++) {
            long[] m = new long[16];
            for (int r = 0; r < 8; r++) {
                if (shifts[g][r] != null) {
                    m[8 + r] = OpcodeTable.unimpl(shifts[g][r], "I,W,H", I_BU, F_REGONLY);
                }
            }
            OpcodeTable.VEX[1][0x71 + g] = OpcodeTable.groupOf(m, 0);
        }
        // BMI1 group F3: the destination is VEX.vvvv
        long[] bmi = new long[16];
        String[] names = {null, "blsr", "blsmsk", "blsi"};
        for (int r = 1; r < 4; r++) {
            bmi[r] = bmi[8 + r] = OpcodeTable.unimpl(names[r], "Ey,By", I_NONE, 0);
        }
        OpcodeTable.VEX[4][0xF3] = OpcodeTable.groupOf(bmi, 0);
        OpcodeTable.VEX_RULES[4][0xF3] = L128_ONLY;
        // MXCSR group AE: memory only, 128-bit, no VEX.vvvv
        long[] mxcsr = new long[16];
        mxcsr[2] = OpcodeTable.unimpl("vldmxcsr", "M", I_NONE, F_MEM);
        mxcsr[3] = OpcodeTable.unimpl("vstmxcsr", "M", I_NONE, F_MEM);
        OpcodeTable.VEX[0][0xAE] = OpcodeTable.groupOf(mxcsr, 0);
        OpcodeTable.VEX_RULES[0][0xAE] = L128_ONLY | NO_VVVV_MEM | NO_VVVV_REG;
    }

    private static void load(String[] rows, int map) {
        for (String row : rows) {
            String[] parts = row.split(":", -1);
            int opcode = Integer.parseInt(parts[0], 16);
            String[] names = parts[1].split(",", -1);
            String[] flagSets = parts[2].split("\\|", -1);
            String[] forms = parts[3].split("\\|", -1);
            for (int pp = 0; pp < names.length && pp < 4; pp++) {
                String n = names[pp];
                if (n.isEmpty() || n.equals("-")) {
                    continue;
                }
                String fl = flagSets[Math.min(pp, flagSets.length - 1)];
                int imm = fl.indexOf('i') >= 0 ? I_BU : I_NONE;
                int flags = (fl.indexOf('m') >= 0 ? F_MEM : 0) | (fl.indexOf('r') >= 0 ? F_REGONLY : 0);
                int rules = (fl.indexOf('1') >= 0 ? L128_ONLY : 0) | (fl.indexOf('2') >= 0 ? L256_ONLY : 0)
                        | (fl.indexOf('0') >= 0 ? W0_ONLY : 0) | (fl.indexOf('q') >= 0 ? W1_ONLY : 0);
                String form = forms[Math.min(pp, forms.length - 1)];
                int slash = form.indexOf('/');
                String reg = slash < 0 ? form : form.substring(0, slash);
                String mem = slash < 0 ? form : form.substring(slash + 1);
                int r = rules | (usesVvvv(reg) ? 0 : NO_VVVV_REG) | (usesVvvv(mem) ? 0 : NO_VVVV_MEM);
                OpcodeTable.VEX[map * 4 + pp][opcode] = OpcodeTable.unimpl(n, form, imm, flags);
                OpcodeTable.VEX_RULES[map * 4 + pp][opcode] = (byte) r;
            }
        }
    }

    private static boolean usesVvvv(String form) {
        int semi = form.indexOf(';');
        for (String t : (semi < 0 ? form : form.substring(0, semi)).split(",")) {
            if (t.startsWith("H") || t.startsWith("B")) {
                return true;
            }
        }
        return false;
    }
}
