/**
 * `-m tcp` (implicit after `-p tcp`): source/destination port ranges, `--tcp-flags MASK COMP`
 * (`--syn` is FIN,SYN,RST,ACK / SYN) and `--tcp-option N` (libxt_tcp, xt_tcpudp.c `tcp_mt`).
 *
 * Packet behaviour (`tcp_mt`): a non-first fragment never matches, and one at fragment offset 1
 * (IPv4 offset field 1; IPv6 offsets are in bytes, so never) is hot-dropped; the 20-byte header
 * must lie within the packet or it is hot-dropped; then the port ranges, `(byte 13 & MASK) ==
 * COMP`, and with `--tcp-option` the options walk of `tcp_find_option` (a data offset below 5 or
 * options cut short hot-drop). Each test XORs its own `!`.
 */
import type { Packet } from '../../packet.js';
import type { MatchExtension, PacketContext } from '../types.js';
import { IPPROTO } from '../values.js';
import { xtStrtoul } from '../../net/cnum.js';
import { portMatch, parseProtoPortRange, type Range } from '../port-ranges.js';
import { be16, fragoff, headerAt, headerPointer, thoff } from '../header-pointer.js';

/** TCP flag names in bit order (header byte 13), as libxt_tcp parses and prints them. */
export const TCP_FLAG_NAMES: ReadonlyArray<[string, number]> = [
  ['FIN', 0x01], ['SYN', 0x02], ['RST', 0x04], ['PSH', 0x08], ['ACK', 0x10], ['URG', 0x20],
  ['ALL', 0x3f], ['NONE', 0],
];

/** Parsed options: the kernel's `xt_tcp`. */
export interface TcpState {
  spts: Range;
  dpts: Range;
  /** `--tcp-option` number (0 when not given). */
  option: number;
  flgMask: number;
  flgCmp: number;
  inv: { spts: boolean; dpts: boolean; option: boolean; flags: boolean };
  given: { spts: boolean; dpts: boolean; option: boolean; flags: boolean };
}

/** A comma list of flag names (case-insensitive, empty items skipped) as a bit set. */
export function parseTcpFlags(text: string, fail: (m: string) => never): number {
  let bits = 0;
  for (const item of text.split(',')) {
    if (item === '') continue;
    const f = TCP_FLAG_NAMES.find(([n]) => n.toLowerCase() === item.toLowerCase());
    if (!f) fail(`Unknown TCP flag \`${item}'`);
    bits |= f[1];
  }
  return bits;
}

/** A bit set as libxt_tcp prints it: names in bit order joined by commas, `NONE` for 0. */
export function formatTcpFlags(bits: number): string {
  const names: string[] = [];
  let rest = bits;
  while (rest) {
    const f = TCP_FLAG_NAMES.find(([, b]) => (rest & b) !== 0)!;
    names.push(f[0]);
    rest &= ~f[1];
  }
  return names.length ? names.join(',') : 'NONE';
}

/**
 * `tcp_find_option`: whether option kind `option` appears among the `optlen` option bytes after
 * the 20-byte header at `off` (kinds 0 and 1 are one byte, others skip their length byte, a
 * zero length counts as 1), XOR `invert`; no options gives `invert`; options beyond the packet
 * hot-drop.
 */
export function tcpFindOption(pkt: Packet, off: number, optlen: number, option: number, invert: boolean, ctx: PacketContext): boolean {
  if (optlen === 0) return invert;
  const op = headerPointer(pkt, off + 20, optlen, 'tcp');
  if (!op) {
    ctx.hotdrop();
    return false;
  }
  for (let i = 0; i < optlen;) {
    if (op[i] === option) return !invert;
    // The length byte may lie past the options; any value there ends the walk.
    i += op[i]! < 2 ? 1 : (op[i + 1] ?? 0) || 1;
  }
  return invert;
}

/** The tcp match. */
export const tcp: MatchExtension<TcpState> = {
  kind: 'match',
  name: 'tcp',
  proto: IPPROTO.TCP,
  options: [
    { name: 'source-port', args: 1, invert: true },
    { name: 'sport', args: 1, invert: true },
    { name: 'destination-port', args: 1, invert: true },
    { name: 'dport', args: 1, invert: true },
    { name: 'syn', args: 0, invert: true },
    { name: 'tcp-flags', args: 2, invert: true },
    { name: 'tcp-option', args: 1, invert: true },
  ],
  create: () => ({
    spts: [0, 65535], dpts: [0, 65535], option: 0, flgMask: 0, flgCmp: 0,
    inv: { spts: false, dpts: false, option: false, flags: false },
    given: { spts: false, dpts: false, option: false, flags: false },
  }),
  parse(s, opt, args, invert, ctx) {
    switch (opt) {
      case 'source-port': case 'sport':
        if (s.given.spts) ctx.fail("Only one `--source-port' allowed");
        s.spts = parseProtoPortRange(ctx, args[0]!, 'tcp');
        s.inv.spts = invert;
        s.given.spts = true;
        return;
      case 'destination-port': case 'dport':
        if (s.given.dpts) ctx.fail("Only one `--destination-port' allowed");
        s.dpts = parseProtoPortRange(ctx, args[0]!, 'tcp');
        s.inv.dpts = invert;
        s.given.dpts = true;
        return;
      case 'syn': case 'tcp-flags': {
        if (s.given.flags) ctx.fail("Only one of `--syn' or `--tcp-flags'  allowed");
        const [mask, cmp] = opt === 'syn' ? ['SYN,RST,ACK,FIN', 'SYN'] : [args[0]!, args[1]!];
        s.flgMask = parseTcpFlags(mask, ctx.fail);
        s.flgCmp = parseTcpFlags(cmp, ctx.fail);
        s.inv.flags = invert;
        s.given.flags = true;
        return;
      }
      case 'tcp-option': {
        s.option = xtStrtoul(args[0]!, 1, 255) ?? ctx.fail(`Bad TCP option "${args[0]}" (expected a number from 1 to 255)`);
        s.inv.option = invert;
        s.given.option = true;
        return;
      }
    }
  },
  /** `tcp_mt`: fragments, the header (hot-drop when cut short), ports, flags, option. */
  match(s, pkt, _rt, ctx) {
    const fo = fragoff(pkt);
    if (fo !== 0) {
      if (fo === 1) ctx.hotdrop();
      return false;
    }
    const off = thoff(pkt);
    if (headerAt(pkt, off, 20, 'tcp') < 0) {
      ctx.hotdrop();
      return false;
    }
    const d = pkt.data;
    if (!portMatch(s.spts, be16(d, off), s.inv.spts)) return false;
    if (!portMatch(s.dpts, be16(d, off + 2), s.inv.dpts)) return false;
    if (((d[off + 13]! & s.flgMask) === s.flgCmp) === s.inv.flags) return false;
    if (s.option) {
      const doff = d[off + 12]! >>> 4;
      if (doff * 4 < 20) {
        ctx.hotdrop();
        return false;
      }
      if (!tcpFindOption(pkt, off, doff * 4 - 20, s.option, s.inv.option, ctx)) return false;
    }
    return true;
  },
  save(s) {
    let out = '';
    const ports = (name: string, r: Range, inv: boolean): void => {
      if (r[0] === 0 && r[1] === 65535) return;
      out += `${inv ? ' !' : ''} --${name} ${r[0] === r[1] ? r[0] : `${r[0]}:${r[1]}`}`;
    };
    ports('sport', s.spts, s.inv.spts);
    ports('dport', s.dpts, s.inv.dpts);
    if (s.option || s.inv.option) out += `${s.inv.option ? ' !' : ''} --tcp-option ${s.option}`;
    if (s.flgMask || s.inv.flags) {
      out += `${s.inv.flags ? ' !' : ''} --tcp-flags ${formatTcpFlags(s.flgMask)} ${formatTcpFlags(s.flgCmp)}`;
    }
    return out;
  },
};
