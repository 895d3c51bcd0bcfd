/**
 * `-m mac [!] --mac-source XX:XX:XX:XX:XX:XX`: the Ethernet source address of the packet, only
 * where a MAC header exists (xt_mac.c: PREROUTING, INPUT, FORWARD). Read as libxtables'
 * XTTYPE_ETHERMAC (six `:`-separated parts of at most two characters, each C strtoul base 16)
 * and saved lower-case with two digits per byte.
 *
 * Packet behaviour (`mac_mt`): the Ethernet source address equals the given one, XOR `!`. A
 * packet whose device is not Ethernet (the host's in-interface has another link type) or that
 * has no Ethernet header never matches, even with `!`.
 */
import type { MatchExtension } from '../types.js';

/** Parsed options: the six address bytes and the inversion. */
export interface MacState { bytes: number[] | null; invert: boolean }

/** One part as strtoul(…, 16) reads it within two characters: empty is 0, a sign may lead. */
function parseMacPart(part: string): number | null {
  if (part === '') return 0;
  const m = /^([+-]?)([0-9a-fA-F]{1,2})$/.exec(part);
  if (!m || part.length > 2) return null;
  const v = parseInt(m[2]!, 16);
  return m[1] === '-' ? (256 - (v % 256)) % 256 : v;
}

/** The mac match. */
export const mac: MatchExtension<MacState> = {
  kind: 'match',
  name: 'mac',
  options: [{ name: 'mac-source', args: 1, invert: true }],
  hooks: ['PREROUTING', 'INPUT', 'FORWARD'],
  create: () => ({ bytes: null, invert: false }),
  parse(s, _opt, [arg], invert, ctx) {
    const parts = arg!.split(':');
    const bytes = parts.length === 6 ? parts.map(parseMacPart) : [null];
    if (bytes.some((b) => b === null)) ctx.fail(`Invalid MAC address specified: "${arg}" (expected XX:XX:XX:XX:XX:XX)`);
    s.bytes = bytes as number[];
    s.invert = invert;
  },
  finalCheck(s, ctx) {
    if (!s.bytes) ctx.fail('mac: option "--mac-source" must be specified');
  },
  save: (s) => `${s.invert ? ' !' : ''} --mac-source ${s.bytes!.map((b) => b.toString(16).padStart(2, '0')).join(':')}`,
  /** The link header's source address against the given one, XOR `!`; false without one. */
  match(s, pkt, _rt, ctx) {
    if (pkt.link === null) return false;
    const dev = pkt.inIface === null ? undefined : ctx.host.interfaces.get(pkt.inIface);
    if (dev && dev.linkType !== 'ether') return false;
    const src = pkt.link.src;
    return s.bytes!.every((b, i) => src[i] === b) !== s.invert;
  },
};
