/**
 * `-m dscp [!] --dscp N | [!] --dscp-class NAME`: the 6-bit DSCP of the IPv4 TOS / IPv6 traffic
 * class; class names (CSx, BE, AFxy, EF) are stored as numbers and saved as `--dscp 0xNN`
 * (libxt_dscp, xt_dscp.c `dscp_mt`).
 *
 * Packet behaviour (`dscp_mt` / `dscp_mt6`): the DS field (IPv4 TOS / IPv6 traffic class) >> 2
 * equals the codepoint, XOR `!`.
 */
import type { MatchExtension } from '../types.js';
import { xtStrtoul } from '../../net/cnum.js';
import { dsfield } from '../header-pointer.js';

/** DiffServ class names and their codepoints, in libxt_dscp's table order. */
export const DSCP_CLASSES: ReadonlyArray<[string, number]> = [
  ['CS0', 0x00], ['CS1', 0x08], ['CS2', 0x10], ['CS3', 0x18], ['CS4', 0x20], ['CS5', 0x28],
  ['CS6', 0x30], ['CS7', 0x38], ['BE', 0x00], ['AF11', 0x0a], ['AF12', 0x0c], ['AF13', 0x0e],
  ['AF21', 0x12], ['AF22', 0x14], ['AF23', 0x16], ['AF31', 0x1a], ['AF32', 0x1c], ['AF33', 0x1e],
  ['AF41', 0x22], ['AF42', 0x24], ['AF43', 0x26], ['EF', 0x2e],
];

/** XT_DSCP_MAX. */
const DSCP_MAX = 0x3f;

/** Parsed options: the kernel's `xt_dscp_info`. */
export interface DscpState { dscp: number; invert: boolean; seen: Set<'dscp' | 'dscp-class'> }

/**
 * `class_to_dscp`: the first class whose name starts the text (case-insensitive; the text may be
 * longer, so `EFX` is EF), as libxt_dscp compares only the class name's length.
 */
export function dscpClass(text: string): number | null {
  const t = text.toLowerCase();
  const c = DSCP_CLASSES.find(([name]) => t.startsWith(name.toLowerCase()));
  return c ? c[1] : null;
}

/** The dscp match. */
export const dscp: MatchExtension<DscpState> = {
  kind: 'match',
  name: 'dscp',
  options: [
    { name: 'dscp', args: 1, invert: true },
    { name: 'dscp-class', args: 1, invert: true },
  ],
  create: () => ({ dscp: 0, invert: false, seen: new Set() }),
  parse(s, opt, [arg], invert, ctx) {
    const o = opt as 'dscp' | 'dscp-class';
    s.seen.add(o);
    s.dscp = o === 'dscp'
      ? xtStrtoul(arg!, 0, DSCP_MAX) ?? ctx.fail(`bad value for option "--dscp", or out of range (0-${DSCP_MAX}).`)
      : dscpClass(arg!) ?? ctx.fail(`Invalid DSCP value \`${arg}'`);
    s.invert = invert;
  },
  finalCheck(s, ctx) {
    if (s.seen.size === 0) ctx.fail('DSCP match: Parameter --dscp is required');
    if (s.seen.size > 1) ctx.fail('option "--dscp" cannot be used together with "--dscp-class".');
  },
  check: (s) => (s.dscp > DSCP_MAX ? `dscp ${s.dscp} is out of range (0-${DSCP_MAX})` : null),
  /** `dscp_mt`: the DS field's upper six bits equal the codepoint. */
  match: (s, pkt) => (dsfield(pkt) >>> 2 === s.dscp) !== s.invert,
  save: (s) => `${s.invert ? ' !' : ''} --dscp 0x${s.dscp.toString(16).padStart(2, '0')}`,
};
