/**
 * `-m multiport --sports|--dports|--ports LIST`: up to 15 ports or `a:b` ranges (a range takes
 * two slots), one `!` for the whole list; needs `-p tcp|udp|udplite|sctp|dccp` (libxt_multiport
 * revision 1, xt_multiport.c).
 *
 * Packet behaviour (`multiport_mt`, `ports_match_v1`): a non-first fragment never matches; the
 * 4 port bytes at the transport header must lie within the packet or it is hot-dropped (for any
 * of the five protocols); the list is walked in order and the first item holding the source
 * port, the destination port or either (a range inclusively) decides `true ^ invert`; no item
 * gives `invert`.
 */
import type { CheckContext, MatchExtension, ParseContext } from '../types.js';
import { IPPROTO } from '../values.js';
import { xtParsePort } from '../services.js';
import { be16, fragoff, headerAt, thoff } from '../header-pointer.js';

/** XT_MULTI_PORTS: slots in the kernel's list. */
export const MULTI_PORTS = 15;

/** Protocols multiport works with, and the name ports are resolved under. */
const PROTOS: ReadonlyMap<number, string> = new Map([
  [IPPROTO.TCP, 'tcp'], [IPPROTO.UDP, 'udp'], [IPPROTO.UDPLITE, 'udplite'], [IPPROTO.SCTP, 'sctp'], [IPPROTO.DCCP, 'dccp'],
]);

type Which = 'source' | 'destination' | 'either';

/** One list item: a port, or an inclusive range (two slots). */
export type MultiportItem = { lo: number; hi: number | null };

/** Parsed options: the kernel's `xt_multiport_v1`. */
export interface MultiportState {
  which: Which | null;
  items: MultiportItem[];
  invert: boolean;
  /** Which option ids were given (for the once-only and exclusion rules). */
  seen: Which[];
}

const OPTION_IDS: Record<string, Which> = {
  'source-ports': 'source', sports: 'source', 'destination-ports': 'destination', dports: 'destination', ports: 'either',
};
const LONG_NAME: Record<Which, string> = { source: 'source-ports', destination: 'destination-ports', either: 'ports' };
const SAVE_NAME: Record<Which, string> = { source: 'sports', destination: 'dports', either: 'ports' };

/** libxt_multiport `check_proto`: the protocol name, or the refusal. */
function protoMessage(proto: number, protoInv: boolean): string | null {
  if (protoInv) return 'multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP';
  if (PROTOS.has(proto)) return null;
  if (proto === 0) return "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'";
  return 'multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP';
}

/** `parse_multi_ports_v1`: comma items, each `port` or `lo:hi` with lo < hi, at most 15 slots. */
function parseList(ctx: ParseContext, text: string, proto: string): MultiportItem[] {
  const items: MultiportItem[] = [];
  let slots = 0;
  const port = (t: string): number => {
    const p = xtParsePort(t, proto);
    if (p === null) ctx.fail(`invalid port/service \`${t}' specified`);
    return p;
  };
  for (const item of text.split(',')) {
    if (slots >= MULTI_PORTS) ctx.fail('too many ports specified');
    const colon = item.indexOf(':');
    if (colon < 0) {
      items.push({ lo: port(item), hi: null });
      slots++;
      continue;
    }
    if (slots === MULTI_PORTS - 1) ctx.fail('too many ports specified');
    const lo = port(item.slice(0, colon));
    const hi = port(item.slice(colon + 1));
    if (lo >= hi) ctx.fail('invalid portrange specified');
    items.push({ lo, hi });
    slots += 2;
  }
  return items;
}

/** The multiport match. */
export const multiport: MatchExtension<MultiportState> = {
  kind: 'match',
  name: 'multiport',
  options: [
    { name: 'source-ports', args: 1, invert: true },
    { name: 'sports', args: 1, invert: true },
    { name: 'destination-ports', args: 1, invert: true },
    { name: 'dports', args: 1, invert: true },
    { name: 'ports', args: 1, invert: true },
  ],
  create: () => ({ which: null, items: [], invert: false, seen: [] }),
  parse(s, opt, [arg], invert, ctx) {
    const which = OPTION_IDS[opt]!;
    if (s.seen.includes(which)) ctx.fail(`option "--${LONG_NAME[which]}" can only be used once.`);
    s.seen.push(which);
    const msg = protoMessage(ctx.header.proto, ctx.header.protoInv);
    if (msg) ctx.fail(msg);
    s.items = parseList(ctx, arg!, PROTOS.get(ctx.header.proto)!);
    s.which = which;
    if (invert) s.invert = true;
  },
  finalCheck(s, ctx) {
    if (s.seen.length === 0) ctx.fail('multiport expection an option');
    if (s.seen.length > 1) {
      const order: Which[] = ['source', 'destination', 'either'];
      const [a, b] = order.filter((w) => s.seen.includes(w));
      ctx.fail(`option "--${LONG_NAME[a!]}" cannot be used together with "--${LONG_NAME[b!]}".`);
    }
  },
  check(s: MultiportState, ctx: CheckContext) {
    const msg = protoMessage(ctx.header.proto, ctx.header.protoInv);
    if (msg) return msg;
    const slots = s.items.reduce((n, i) => n + (i.hi === null ? 1 : 2), 0);
    return slots > MULTI_PORTS ? 'too many ports specified' : null;
  },
  /** `multiport_mt`: no fragments, the two ports (hot-drop when cut short), the list. */
  match(s, pkt, _rt, ctx) {
    if (fragoff(pkt) !== 0) return false;
    const at = headerAt(pkt, thoff(pkt), 4, 'multiport');
    if (at < 0) {
      ctx.hotdrop();
      return false;
    }
    const src = be16(pkt.data, at), dst = be16(pkt.data, at + 2);
    for (const { lo, hi } of s.items) {
      const has = (p: number): boolean => (hi === null ? p === lo : p >= lo && p <= hi);
      if (s.which === 'source' ? has(src) : s.which === 'destination' ? has(dst) : has(src) || has(dst)) return !s.invert;
    }
    return s.invert;
  },
  save(s) {
    const list = s.items.map((i) => (i.hi === null ? String(i.lo) : `${i.lo}:${i.hi}`)).join(',');
    return `${s.invert ? ' !' : ''} --${SAVE_NAME[s.which!]} ${list}`;
  },
};
