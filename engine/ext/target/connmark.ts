/**
 * `-j CONNMARK` (xt_connmark revision 2, libxt_CONNMARK): sets the conntrack mark, or copies it
 * between packet and connection, optionally shifted. Any table and hook, both families.
 * `--set-mark`/`--and-mark`/`--or-mark`/`--xor-mark` are stored as `--set-xmark value/ctmask`;
 * `--save-mark` and `--restore-mark` are saved with both masks (`--mask` sets both); a shift
 * other than 0 follows. Options apply in the order given, so `--set-mark 1 --mask 0xff` leaves
 * ctmask 0xff while `--mask 0xff --set-mark 1` leaves 0xffffffff.
 *
 * Packet behaviour (xt_connmark.c `connmark_tg_shift`): nothing without a conntrack (INVALID or
 * UNTRACKED). set: `ct.mark = ((ct.mark & ~ctmask) ^ ctmark) shifted`; save:
 * `ct.mark = (ct.mark & ~ctmask) ^ ((skb.mark & nfmask) shifted)`; restore:
 * `skb.mark = (skb.mark & ~nfmask) ^ ((ct.mark & ctmask) shifted)` — the shift applies to the
 * whole new mark for set, to the copied part otherwise. Then the next rule.
 */
import { CONTINUE, type TargetExtension } from '../types.js';
import { hex } from '../values.js';
import { needMarkMask32 } from '../xtopt.js';
import { needXtUint } from '../xttypes.js';

/** The operation options; any two of them exclude each other. */
const OPS = ['set-xmark', 'set-mark', 'and-mark', 'or-mark', 'xor-mark', 'save-mark', 'restore-mark'] as const;

/** Parsed options: the kernel's `xt_connmark_tginfo2`. */
export interface ConnmarkTargetState {
  mode: 'set' | 'save' | 'restore' | null;
  ctmark: number;
  ctmask: number;
  nfmask: number;
  shiftDir: 'left' | 'right';
  shiftBits: number;
  /** The operation option given, and whether --mask / --ctmask / --nfmask were. */
  op: string | null;
  masks: Set<string>;
}

/** The CONNMARK target. */
export const CONNMARK: TargetExtension<ConnmarkTargetState> = {
  needsConntrack: true,
  kind: 'target',
  name: 'CONNMARK',
  options: [
    ...OPS.map((name) => ({ name, args: (name.endsWith('e-mark') ? 0 : 1) as 0 | 1 })),
    { name: 'left-shift-mark', args: 1 },
    { name: 'right-shift-mark', args: 1 },
    { name: 'ctmask', args: 1 },
    { name: 'nfmask', args: 1 },
    { name: 'mask', args: 1 },
  ],
  create: () => ({
    mode: null, ctmark: 0, ctmask: 0xffffffff, nfmask: 0xffffffff, shiftDir: 'left', shiftBits: 0,
    op: null, masks: new Set(),
  }),
  parse(s, opt, [arg], _invert, ctx) {
    if ((OPS as readonly string[]).includes(opt)) {
      if (s.op !== null) ctx.fail(`option "--${opt}" cannot be used together with "--${s.op}"`);
      s.op = opt;
    }
    if (opt === 'mask' || opt === 'ctmask' || opt === 'nfmask') {
      const other = opt === 'mask' ? ['ctmask', 'nfmask'].find((m) => s.masks.has(m)) : s.masks.has('mask') ? 'mask' : undefined;
      if (other) ctx.fail(`option "--${opt}" cannot be used together with "--${other}"`);
      s.masks.add(opt);
    }
    const u32 = (): number => needXtUint(ctx, opt, arg!, 0, 0xffffffff);
    switch (opt) {
      case 'set-xmark': { const m = needMarkMask32(ctx, opt, arg!); s.mode = 'set'; s.ctmark = m.value; s.ctmask = m.mask; return; }
      case 'set-mark': { const m = needMarkMask32(ctx, opt, arg!); s.mode = 'set'; s.ctmark = m.value; s.ctmask = (m.value | m.mask) >>> 0; return; }
      case 'and-mark': { const v = u32(); s.mode = 'set'; s.ctmark = 0; s.ctmask = ~v >>> 0; return; }
      case 'or-mark': { const v = u32(); s.mode = 'set'; s.ctmark = v; s.ctmask = v; return; }
      case 'xor-mark': { const v = u32(); s.mode = 'set'; s.ctmark = v; s.ctmask = 0; return; }
      case 'save-mark': s.mode = 'save'; return;
      case 'restore-mark': s.mode = 'restore'; return;
      case 'ctmask': s.ctmask = u32(); return;
      case 'nfmask': s.nfmask = u32(); return;
      case 'mask': { const v = u32(); s.ctmask = v; s.nfmask = v; return; }
      case 'left-shift-mark': case 'right-shift-mark':
        s.shiftDir = opt === 'left-shift-mark' ? 'left' : 'right';
        s.shiftBits = needXtUint(ctx, opt, arg!, 0, 32);
        return;
    }
  },
  finalCheck(s, ctx) {
    if (s.mode === null) ctx.fail('no operation specified: one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark, --save-mark, --restore-mark is required');
  },
  check: (s) => (s.shiftBits >= 32 ? `a shift of ${s.shiftBits} bits is refused by the kernel (at most 31)` : null),
  save(s) {
    let out = s.mode === 'set'
      ? ` --set-xmark ${hex(s.ctmark)}/${hex(s.ctmask)}`
      : ` --${s.mode}-mark --nfmask ${hex(s.nfmask)} --ctmask ${hex(s.ctmask)}`;
    if (s.shiftBits !== 0) out += ` --${s.shiftDir}-shift-mark ${s.shiftBits}`;
    return out;
  },
  /** Set, save or restore the connection mark; continue. */
  target(s, pkt) {
    const ct = pkt.ct;
    if (ct === null) return CONTINUE;
    const shift = (v: number): number => (s.shiftDir === 'right' ? v >>> s.shiftBits : (v << s.shiftBits) >>> 0);
    switch (s.mode) {
      case 'set':
        ct.mark = shift(((ct.mark & ~s.ctmask) ^ s.ctmark) >>> 0);
        break;
      case 'save':
        ct.mark = ((ct.mark & ~s.ctmask) ^ shift((pkt.mark & s.nfmask) >>> 0)) >>> 0;
        break;
      case 'restore':
        pkt.mark = ((pkt.mark & ~s.nfmask) ^ shift((ct.mark & s.ctmask) >>> 0)) >>> 0;
        break;
    }
    return CONTINUE;
  },
};
