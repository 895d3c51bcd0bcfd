/**
 * `-m physdev`: the bridge ports a bridged packet came in on or goes out of, and whether it is
 * bridged at all (libxt_physdev, xt_physdev.c). Names follow `-i`'s rules (a trailing `+` is a
 * prefix wildcard, at most 15 characters). The kernel refuses `--physdev-out`/`--physdev-is-out`
 * reachable from OUTPUT unless the rule also says `--physdev-is-bridged` (not inverted).
 *
 * Packet behaviour (`physdev_mt`): only a packet that passed br_netfilter carries bridge
 * information; natsim says so by `pkt.physIn`/`pkt.physOut` (the bridge ports), and a packet with
 * neither carries none. Such a packet matches only when every option the rule gives is inverted.
 * A bridged packet is tested option by option: `--physdev-is-bridged` is whether it has an out
 * port, `--physdev-is-in`/`--physdev-is-out` whether it has an in/out port, `--physdev-in` is
 * skipped (passes) when there is no in port, and `--physdev-out` fails without an out port even
 * when inverted. Names compare as `-i` does (`+` suffix: prefix; an empty name matches any).
 */
import type { Packet } from '../../packet.js';
import type { MatchExtension } from '../types.js';

/** The kernel's XT_PHYSDEV_OP_* bits. */
export const PHYSDEV_OP = { IN: 0x01, OUT: 0x02, BRIDGED: 0x04, ISIN: 0x08, ISOUT: 0x10 } as const;

/** Parsed options: the kernel's `xt_physdev_info`. */
export interface PhysdevState {
  /** Options given (XT_PHYSDEV_OP_* bits). */
  bitmask: number;
  /** Options inverted. */
  invert: number;
  physIn: string;
  physOut: string;
}

/** Longest interface name (IFNAMSIZ − 1). */
const MAX_IFNAME = 15;

const FLAG_OF: Record<string, number> = {
  'physdev-in': PHYSDEV_OP.IN,
  'physdev-out': PHYSDEV_OP.OUT,
  'physdev-is-in': PHYSDEV_OP.ISIN,
  'physdev-is-out': PHYSDEV_OP.ISOUT,
  'physdev-is-bridged': PHYSDEV_OP.BRIDGED,
};

/** `ifname_compare_aligned` with the mask libxtables derives from the name: exact, `+` prefix, or empty = any. */
export function physdevNameMatches(have: string, want: string): boolean {
  if (want.endsWith('+')) return have.startsWith(want.slice(0, -1));
  return want === '' || have === want;
}

/** `physdev_mt`: the bridge-port tests on one packet. */
export function physdevMatch(s: PhysdevState, pkt: Pick<Packet, 'physIn' | 'physOut'>): boolean {
  const given = (f: number): boolean => (s.bitmask & f) !== 0;
  const inv = (f: number): boolean => (s.invert & f) !== 0;
  // No bridge information: true only if every option given is inverted.
  if (pkt.physIn === null && pkt.physOut === null) return (s.bitmask & ~s.invert) === 0;
  const indev = pkt.physIn;
  const outdev = pkt.physOut;
  if (given(PHYSDEV_OP.BRIDGED) && (outdev !== null) === inv(PHYSDEV_OP.BRIDGED)) return false;
  if (given(PHYSDEV_OP.ISIN) && (indev !== null) === inv(PHYSDEV_OP.ISIN)) return false;
  if (given(PHYSDEV_OP.ISOUT) && (outdev !== null) === inv(PHYSDEV_OP.ISOUT)) return false;
  if (given(PHYSDEV_OP.IN) && indev !== null && physdevNameMatches(indev, s.physIn) === inv(PHYSDEV_OP.IN)) return false;
  if (!given(PHYSDEV_OP.OUT)) return true;
  if (outdev === null) return false;
  return physdevNameMatches(outdev, s.physOut) !== inv(PHYSDEV_OP.OUT);
}

/** The physdev match. */
export const physdev: MatchExtension<PhysdevState> = {
  kind: 'match',
  name: 'physdev',
  options: [
    { name: 'physdev-in', args: 1, invert: true },
    { name: 'physdev-out', args: 1, invert: true },
    { name: 'physdev-is-in', args: 0, invert: true },
    { name: 'physdev-is-out', args: 0, invert: true },
    { name: 'physdev-is-bridged', args: 0, invert: true },
  ],
  create: () => ({ bitmask: 0, invert: 0, physIn: '', physOut: '' }),
  parse(s, opt, args, invert, ctx) {
    const flag = FLAG_OF[opt]!;
    if (opt === 'physdev-in' || opt === 'physdev-out') {
      const name = args[0]!;
      if (name.length > MAX_IFNAME) ctx.fail(`interface name \`${name}' must be shorter than IFNAMSIZ (${MAX_IFNAME})`);
      if (opt === 'physdev-in') s.physIn = name;
      else s.physOut = name;
    }
    s.bitmask |= flag;
    if (invert) s.invert |= flag;
  },
  finalCheck(s, ctx) {
    if (s.bitmask === 0) ctx.fail('PHYSDEV: no physdev option specified');
  },
  check(s, ctx) {
    const out = (s.bitmask & (PHYSDEV_OP.OUT | PHYSDEV_OP.ISOUT)) !== 0;
    const bridged = (s.bitmask & PHYSDEV_OP.BRIDGED) !== 0 && (s.invert & PHYSDEV_OP.BRIDGED) === 0;
    if (out && !bridged && ctx.hooks.has('OUTPUT')) {
      return 'physdev: --physdev-out and --physdev-is-out are only supported from OUTPUT together with --physdev-is-bridged (use them in FORWARD or POSTROUTING)';
    }
    return null;
  },
  save(s) {
    const inv = (f: number): string => (s.invert & f ? ' !' : '');
    let out = '';
    if (s.bitmask & PHYSDEV_OP.ISIN) out += `${inv(PHYSDEV_OP.ISIN)} --physdev-is-in`;
    if (s.bitmask & PHYSDEV_OP.IN) out += `${inv(PHYSDEV_OP.IN)} --physdev-in ${s.physIn}`;
    if (s.bitmask & PHYSDEV_OP.ISOUT) out += `${inv(PHYSDEV_OP.ISOUT)} --physdev-is-out`;
    if (s.bitmask & PHYSDEV_OP.OUT) out += `${inv(PHYSDEV_OP.OUT)} --physdev-out ${s.physOut}`;
    if (s.bitmask & PHYSDEV_OP.BRIDGED) out += `${inv(PHYSDEV_OP.BRIDGED)} --physdev-is-bridged`;
    return out;
  },
  /** Bridge ports of the packet against the options (`physdev_mt`); never hot-drops. */
  match: (s, pkt) => physdevMatch(s, pkt),
};
