/**
 * `-m conntrack` (revision 3): the packet's connection-tracking state (`--ctstate`), the L4
 * protocol, addresses and ports of the original and reply tuples, status bits, remaining
 * lifetime and direction (libxt_conntrack, xt_conntrack.c). Addresses keep their host bits and
 * print without a full mask; `--ctproto` is saved as a number.
 *
 * Packet behaviour (`conntrack_mt`, revision 3): the state test first (SNAT/DNAT pseudo-states
 * from the entry's status); a packet without a conntrack (INVALID, UNTRACKED) is decided by that
 * test alone and does not match a rule without `--ctstate`; then direction, the four masked
 * addresses, protocol and port ranges of the ORIGINAL/REPLY tuples, `--ctstatus` (any bit of the
 * mask set) and `--ctexpire` (whole seconds left, `nf_ct_expires / HZ`), each XOR its `!`.
 */
import { NatsimError, EXIT_OTHER } from '../../errors.js';
import { isConfirmed, remainingSeconds, type ConntrackEntry } from '../../conntrack/entry.js';
import { tupleOf } from '../../conntrack/table.js';
import type { Family, Words } from '../../net/addr.js';
import type { Packet } from '../../packet.js';
import type { MatchExtension, PacketContext, ParseContext } from '../types.js';
import { parseProtocol } from '../values.js';
import { serviceAnyProto } from '../services.js';
import { formatHostMask, needHostMask, type HostMask } from '../hostaddr.js';
import { formatStateList, isNamePrefix, packetStateBits, parseStateList } from './ctstate.js';

/** Conntrack status bits the match can test (IPS_*). */
export const CT_STATUS = { EXPECTED: 1 << 0, SEEN_REPLY: 1 << 1, ASSURED: 1 << 2, CONFIRMED: 1 << 3 } as const;

type AddrKey = 'origsrc' | 'origdst' | 'replsrc' | 'repldst';
type PortKey = 'origsrcport' | 'origdstport' | 'replsrcport' | 'repldstport';

/** Parsed options: the kernel's `xt_conntrack_mtinfo3`, one optional field per option. */
export interface ConntrackState {
  state: { mask: number; invert: boolean } | null;
  proto: { num: number; invert: boolean } | null;
  addrs: Partial<Record<AddrKey, HostMask & { invert: boolean }>>;
  ports: Partial<Record<PortKey, { lo: number; hi: number; invert: boolean }>>;
  status: { mask: number; invert: boolean } | null;
  expire: { min: number; max: number; invert: boolean } | null;
  /** `--ctdir`: true for REPLY. */
  reply: boolean | null;
}

const ADDR_KEYS: readonly AddrKey[] = ['origsrc', 'origdst', 'replsrc', 'repldst'];
const PORT_KEYS: readonly PortKey[] = ['origsrcport', 'origdstport', 'replsrcport', 'repldstport'];

const STATUS_NAMES: ReadonlyArray<[string, number]> = [
  ['NONE', 0], ['EXPECTED', CT_STATUS.EXPECTED], ['SEEN_REPLY', CT_STATUS.SEEN_REPLY],
  ['ASSURED', CT_STATUS.ASSURED], ['CONFIRMED', CT_STATUS.CONFIRMED],
];

function parseStatusList(ctx: ParseContext, text: string): number {
  let mask = 0;
  let rest = text;
  for (;;) {
    const comma = rest.indexOf(',');
    const item = comma < 0 ? rest : rest.slice(0, comma);
    const hit = STATUS_NAMES.find(([n]) => isNamePrefix(item, n));
    if (!hit) ctx.fail(`Bad ctstatus "${rest}" (expected a comma list of NONE, EXPECTED, SEEN_REPLY, ASSURED, CONFIRMED)`);
    mask |= hit[1];
    if (comma < 0) return mask;
    rest = rest.slice(comma + 1);
  }
}

function formatStatusList(mask: number): string {
  const names = STATUS_NAMES.filter(([, b]) => b !== 0 && mask & b).map(([n]) => n);
  return names.length ? names.join(',') : 'NONE';
}

/**
 * A port as getaddrinfo reads a service: decimal digits (strtoul, the value cut to 16 bits, so
 * 70000 is 4464) or a service name; `0x50` is neither.
 */
function needCtPort(ctx: ParseContext, option: string, text: string): number {
  if (/^[0-9]+$/.test(text)) {
    const v = BigInt(text);
    const max = (1n << 64n) - 1n;
    return Number((v > max ? max : v) & 0xffffn);
  }
  const p = /^[0-9]/.test(text) ? null : serviceAnyProto(text);
  if (p === null) return ctx.fail(`--${option}: Port "${text}" does not resolve to anything.`);
  return p;
}

/** xtopt_parse_mport: `port`, `lo:hi`, `lo:`, `:hi`; empty sides keep 0 and 65535. */
function parsePortRange(ctx: ParseContext, option: string, text: string): { lo: number; hi: number } {
  const parts = text.split(':');
  if (parts.length > 2) ctx.fail(`Too many components for option "--${option}" (max: 2)`);
  const r = [0, 65535];
  parts.forEach((p, i) => { if (p !== '') r[i] = needCtPort(ctx, option, p); });
  if (parts.length === 1) r[1] = r[0]!;
  return { lo: r[0]!, hi: r[1]! };
}

/** Leading C base-0 unsigned number of `text` (as strtoumax): [value, rest], or null when none. */
function strtoulPrefix(text: string): [number, string] | null {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (!m) return null;
  const s = m[1]!;
  const v = /^0[xX]/.test(s) ? parseInt(s.slice(2), 16) : s.length > 1 && s[0] === '0' ? parseInt(s, 8) : Number(s);
  return [v, text.slice(s.length)];
}

/** xtopt_parse_mint for UINT32RC: `a`, `a:b`, `:b` (0), `a:` (4294967295). */
function parseExpire(ctx: ParseContext, text: string): { min: number; max: number } {
  const vals: number[] = [];
  let rest = text;
  for (;;) {
    if (vals.length === 2) ctx.fail('conntrack: Too many ranges specified');
    let v: number;
    if (rest === '' || rest[0] === ':') {
      v = vals.length === 1 ? 0xffffffff : 0;
    } else {
      const n = strtoulPrefix(rest);
      if (n === null || n[0] > 0xffffffff || (n[1] !== '' && n[1][0] !== ':')) {
        ctx.fail(`bad value for option "--ctexpire": "${text}" (expected seconds[:seconds], each 0 to 4294967295)`);
      }
      v = n[0];
      rest = n[1];
    }
    vals.push(v);
    if (rest === '') break;
    rest = rest.slice(1);
  }
  return { min: vals[0]!, max: vals.length >= 2 ? vals[1]! : vals[0]! };
}

/** `((k ^ u) & m) == 0` over every word of the family (`conntrack_addrcmp`). */
function maskedEqual(k: Words, u: Words, m: Words): boolean {
  for (let i = 0; i < u.length; i++) if ((((k[i]! ^ u[i]!) & m[i]!) >>> 0) !== 0) return false;
  return true;
}

/** The tuple address each address option compares. */
function tupleAddr(ct: ConntrackEntry, key: AddrKey): Words {
  switch (key) {
    case 'origsrc': return tupleOf(ct, 0).src;
    case 'origdst': return tupleOf(ct, 0).dst;
    case 'replsrc': return tupleOf(ct, 1).src;
    case 'repldst': return tupleOf(ct, 1).dst;
  }
}

/** The tuple's 16-bit L4 value each port option compares (`src.u.all` / `dst.u.all`, host order). */
function tuplePort(ct: ConntrackEntry, key: PortKey): number {
  switch (key) {
    case 'origsrcport': return tupleOf(ct, 0).sport;
    case 'origdstport': return tupleOf(ct, 0).dport;
    case 'replsrcport': return tupleOf(ct, 1).sport;
    case 'repldstport': return tupleOf(ct, 1).dport;
  }
}

/** Where a state keeps the list of its address and port options (hidden from equality and JSON). */
const GIVEN = Symbol('conntrack options given');

/** The address and port options a parsed state has, listed once (most rules give only --ctstate). */
function givenKeys(s: ConntrackState): { addrs: AddrKey[]; ports: PortKey[] } {
  const held = (s as unknown as Record<symbol, { addrs: AddrKey[]; ports: PortKey[] } | undefined>)[GIVEN];
  if (held !== undefined) return held;
  const given = { addrs: ADDR_KEYS.filter((k) => s.addrs[k] !== undefined), ports: PORT_KEYS.filter((k) => s.ports[k] !== undefined) };
  Object.defineProperty(s, GIVEN, { value: given, enumerable: false });
  return given;
}

/** `conntrack_mt` for revision 3 (also used by `-m state`, which iptables loads as conntrack). */
export function conntrackMatch(s: ConntrackState, pkt: Packet, ctx: PacketContext): boolean {
  if (s.state && ((packetStateBits(pkt) & s.state.mask) !== 0) === s.state.invert) return false;
  const ct = pkt.ct;
  if (ct === null) return s.state !== null;
  if (s.reply !== null && (pkt.ctinfo >= 3) !== s.reply) return false;
  const given = givenKeys(s);
  for (const k of given.addrs) {
    const a = s.addrs[k]!;
    if (maskedEqual(tupleAddr(ct, k), a.addr, a.mask) === a.invert) return false;
  }
  if (s.proto && (tupleOf(ct, 0).proto === s.proto.num) === s.proto.invert) return false;
  for (const k of given.ports) {
    const p = s.ports[k]!;
    const v = tuplePort(ct, k);
    if ((v >= p.lo && v <= p.hi) === p.invert) return false;
  }
  if (s.status && ((ct.status & s.status.mask) !== 0) === s.status.invert) return false;
  if (s.expire) {
    // An unconfirmed entry's timeout is still relative; the kernel subtracts the jiffies counter
    // from it, so the answer depends on the host's uptime, which natsim does not model.
    if (!isConfirmed(ct)) {
      throw new NatsimError('NOT_IMPLEMENTED', '-m conntrack --ctexpire on a packet whose conntrack is not yet confirmed (its first packet): the kernel compares a relative timeout with the uptime-dependent jiffies counter, which natsim does not model', {}, EXIT_OTHER);
    }
    const left = remainingSeconds(ct, ctx.now);
    if ((left >= s.expire.min && left <= s.expire.max) === s.expire.invert) return false;
  }
  return true;
}

/** The conntrack match. */
export const conntrack: MatchExtension<ConntrackState> = {
  needsConntrack: true,
  kind: 'match',
  name: 'conntrack',
  options: [
    { name: 'ctstate', args: 1, invert: true },
    { name: 'ctproto', args: 1, invert: true },
    { name: 'ctorigsrc', args: 1, invert: true },
    { name: 'ctorigdst', args: 1, invert: true },
    { name: 'ctreplsrc', args: 1, invert: true },
    { name: 'ctrepldst', args: 1, invert: true },
    { name: 'ctstatus', args: 1, invert: true },
    { name: 'ctexpire', args: 1, invert: true },
    { name: 'ctorigsrcport', args: 1, invert: true },
    { name: 'ctorigdstport', args: 1, invert: true },
    { name: 'ctreplsrcport', args: 1, invert: true },
    { name: 'ctrepldstport', args: 1, invert: true },
    { name: 'ctdir', args: 1 },
  ],
  create: () => ({ state: null, proto: null, addrs: {}, ports: {}, status: null, expire: null, reply: null }),
  parse(s, opt, [arg], invert, ctx) {
    const a = arg!;
    switch (opt) {
      case 'ctstate':
        s.state = { mask: parseStateList(ctx, 'ctstate', a), invert };
        return;
      case 'ctproto': {
        const num = parseProtocol(a);
        if (num === null) return ctx.fail(`unknown protocol "${a}" specified`);
        // libxt_conntrack tests XT_INV_PROTO (0x40), which is the bit of an inverted --ctstatus.
        if (num === 0 && s.status?.invert) ctx.fail('conntrack: rule would never match protocol');
        s.proto = { num, invert };
        return;
      }
      case 'ctstatus':
        s.status = { mask: parseStatusList(ctx, a), invert };
        return;
      case 'ctexpire':
        s.expire = { ...parseExpire(ctx, a), invert };
        return;
      case 'ctdir':
        if (a.toUpperCase() === 'ORIGINAL') s.reply = false;
        else if (a.toUpperCase() === 'REPLY') s.reply = true;
        else ctx.fail(`Bad value for "--ctdir" option: "${a}" (expected ORIGINAL or REPLY)`);
        return;
    }
    const key = opt.slice(2);
    if ((ADDR_KEYS as readonly string[]).includes(key)) {
      s.addrs[key as AddrKey] = { ...needHostMask(ctx, opt, ctx.family, a), invert };
    } else if ((PORT_KEYS as readonly string[]).includes(key)) {
      s.ports[key as PortKey] = { ...parsePortRange(ctx, opt, a), invert };
    }
  },
  finalCheck(s, ctx) {
    const any = s.state || s.proto || s.status || s.expire || s.reply !== null ||
      Object.keys(s.addrs).length || Object.keys(s.ports).length;
    if (!any) ctx.fail('conntrack: At least one option is required');
  },
  save(s, family: Family) {
    const inv = (b: boolean): string => (b ? ' !' : '');
    let out = '';
    if (s.state) out += `${inv(s.state.invert)} --ctstate ${formatStateList(s.state.mask)}`;
    if (s.proto) out += `${inv(s.proto.invert)} --ctproto ${s.proto.num}`;
    for (const k of ADDR_KEYS) {
      const a = s.addrs[k];
      if (a) out += `${inv(a.invert)} --ct${k} ${formatHostMask(family, a)}`;
    }
    for (const k of PORT_KEYS) {
      const p = s.ports[k];
      if (p) out += `${inv(p.invert)} --ct${k} ${p.hi === 0 || p.lo === p.hi ? p.lo : `${p.lo}:${p.hi}`}`;
    }
    if (s.status) out += `${inv(s.status.invert)} --ctstatus ${formatStatusList(s.status.mask)}`;
    if (s.expire) {
      const e = s.expire;
      out += `${inv(e.invert)} --ctexpire ${e.min === e.max ? e.min : `${e.min}:${e.max}`}`;
    }
    if (s.reply !== null) out += ` --ctdir ${s.reply ? 'REPLY' : 'ORIGINAL'}`;
    return out;
  },
  /** Whether the rule gives `--ctstate` alone (kube-proxy's rules do): then only the state bits are compared. */
  init: (s) => {
    const given = givenKeys(s);
    return { stateOnly: s.state !== null && s.proto === null && s.status === null && s.expire === null && s.reply === null && given.addrs.length === 0 && given.ports.length === 0 };
  },
  /** The packet's conntrack state, tuples, status and lifetime against the options (`conntrack_mt`). */
  match: (s, pkt, rt: { stateOnly: boolean } | undefined, ctx) => (rt !== undefined && rt.stateOnly ? ((packetStateBits(pkt) & s.state!.mask) !== 0) !== s.state!.invert : conntrackMatch(s, pkt, ctx)),
};
