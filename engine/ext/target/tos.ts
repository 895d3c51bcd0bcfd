/**
 * `-j TOS` (xt_DSCP.c `tos_tg`, libxt_TOS revision 1): `tos = (tos & ~mask) ^ value` on the IPv4
 * TOS / IPv6 traffic class byte. Mangle table only. `--set-tos value[/mask]` (mask 0xff when
 * absent) or a symbolic name (mask 0x3f), `--and-tos V` (0/~V), `--or-tos V` (V/V), `--xor-tos V`
 * (V/0); exactly one of them. Always saved as `--set-tos 0xVV/0xMM`.
 *
 * Packet behaviour (`tos_tg`, `tos_tg6`): when `(tos & ~mask) ^ value` differs from the byte, it is
 * written with `ipv4_change_dsfield` (incremental IPv4 header checksum) or `ipv6_change_dsfield`;
 * `pkt.tos` follows. Then the next rule.
 */
import { CONTINUE, type TargetExtension } from '../types.js';
import { xtStrtoulPrefix } from '../../net/cnum.js';
import { needXtUint } from '../xttypes.js';
import { TOS_NAMES } from '../match/tos.js';
import { changeDsfield, getDsfield } from './ip-header-rewrite.js';

/** Mask a symbolic name gets in revision 1: the low six bits are replaced, the top two kept. */
const NAMED_MASK = 0x3f;

/** Parsed options: the kernel's `xt_tos_target_info`. */
export interface TosTargetState { value: number; mask: number; op: string | null }

const hex2 = (n: number): string => '0x' + n.toString(16).padStart(2, '0');

/** The TOS target. */
export const TOS: TargetExtension<TosTargetState> = {
  kind: 'target',
  name: 'TOS',
  options: [
    { name: 'set-tos', args: 1 },
    { name: 'and-tos', args: 1 },
    { name: 'or-tos', args: 1 },
    { name: 'xor-tos', args: 1 },
  ],
  tables: ['mangle'],
  create: () => ({ value: 0, mask: 0, op: null }),
  parse(s, opt, [arg], _invert, ctx) {
    if (s.op !== null) ctx.fail(`option "--${opt}" cannot be used together with "--${s.op}"`);
    s.op = opt;
    const text = arg!;
    if (opt !== 'set-tos') {
      const v = needXtUint(ctx, opt, text, 0, 0xff);
      if (opt === 'and-tos') { s.value = 0; s.mask = ~v & 0xff; }
      else if (opt === 'or-tos') { s.value = v; s.mask = v; }
      else { s.value = v; s.mask = 0; }
      return;
    }
    // XTTYPE_TOSMASK: a number (value[/mask], each 0..255) when the text starts with one,
    // else a symbolic name (case-insensitive).
    const num = xtStrtoulPrefix(text, 0, 0xff);
    if (num === null) {
      const named = TOS_NAMES.find(([name]) => name.toLowerCase() === text.toLowerCase());
      if (!named) return ctx.fail(`Symbolic name "${text}" is unknown (expected value[/mask] or one of ${TOS_NAMES.map(([n]) => n).join(', ')})`);
      s.value = named[1];
      s.mask = NAMED_MASK;
      return;
    }
    s.value = num.value;
    s.mask = 0xff;
    let rest = num.rest;
    if (rest.startsWith('/')) {
      const m = xtStrtoulPrefix(rest.slice(1), 0, 0xff);
      if (m === null) return ctx.fail(`Illegal value: "${text}" (expected value[/mask], each 0-255)`);
      s.mask = m.value;
      rest = m.rest;
    }
    if (rest !== '') ctx.fail(`Illegal value: "${text}" (expected value[/mask], each 0-255)`);
  },
  finalCheck(s, ctx) {
    if (s.op === null) ctx.fail('an action is required: one of --set-tos, --and-tos, --or-tos, --xor-tos');
  },
  save: (s) => ` --set-tos ${hex2(s.value)}/${hex2(s.mask)}`,
  /** Rewrite the TOS / traffic class byte; continue. */
  target(s, pkt) {
    const orig = getDsfield(pkt);
    const nv = ((orig & ~s.mask) ^ s.value) & 0xff;
    if (orig !== nv) changeDsfield(pkt, 0, nv);
    return CONTINUE;
  },
};
