/**
 * `-j CT` (xt_CT revision 2, libxt_CT): attaches a conntrack template to the packet before
 * conntrack sees it: `--notrack` (untracked), `--helper NAME`, `--timeout POLICY`, `--ctevents` /
 * `--expevents` lists, `--zone`/`--zone-orig`/`--zone-reply` (a number 0..65535 or `mark`). Raw
 * table only. Saved as `--notrack`, `--helper`, `--timeout`, `--ctevents` and `--expevents` (in
 * the kernel's event order), then the zone when it is `mark` or not 0 — spelled `--zone-orig` or
 * `--zone-reply` only when exactly one direction was given. Unless `--notrack` is set, the kernel
 * refuses a helper it does not have for the rule's family and `-p` protocol (which must be given,
 * not inverted) and any timeout policy (natsim has no `nfct` timeout objects).
 *
 * Packet behaviour (xt_CT.c `xt_ct_target`): a packet that already has a conntrack (or is already
 * untracked, e.g. looped back) is left alone. Otherwise `--notrack` makes it untracked (ctinfo
 * IP_CT_UNTRACKED, no entry; every other option is then ignored, as the kernel ignores them) and
 * the next rule follows. Without `--notrack` the kernel attaches a conntrack template (helper,
 * zone, event masks, timeout policy — or an empty one): natsim's conntrack has no templates, so
 * such a packet stops with NOT_IMPLEMENTED naming the options.
 */
import type { Family } from '../../net/addr.js';
import { CONTINUE, type TargetExtension } from '../types.js';
import { IPPROTO } from '../values.js';
import { NatsimError, EXIT_OTHER } from '../../errors.js';
import { CTINFO } from '../../conntrack/entry.js';
import type { Packet } from '../../packet.js';
import { xtStrtoul } from '../../net/cnum.js';
import { xtString } from '../xttypes.js';

/** Sizes of `xt_ct_target_info_v1.helper` and `.timeout`. */
const HELPER_SIZE = 16;
const TIMEOUT_SIZE = 32;

/** Conntrack event names in bit order (IPCT_NEW …), as libxt_CT parses and prints them. */
export const CT_EVENTS: readonly string[] = [
  'new', 'related', 'destroy', 'reply', 'assured', 'protoinfo', 'helper', 'mark', 'natseqinfo', 'secmark',
];

/** Expectation event names in bit order (IPEXP_NEW). */
export const EXP_EVENTS: readonly string[] = ['new'];

/** Conntrack helpers the kernel here registers, by family, with the protocols they serve. */
export const CT_HELPERS: Readonly<Record<Family, Readonly<Record<string, readonly number[]>>>> = {
  ipv4: {
    ftp: [IPPROTO.TCP], tftp: [IPPROTO.UDP], irc: [IPPROTO.TCP], sip: [IPPROTO.UDP, IPPROTO.TCP],
    amanda: [IPPROTO.UDP], pptp: [IPPROTO.TCP], sane: [IPPROTO.TCP], 'netbios-ns': [IPPROTO.UDP],
    snmp: [IPPROTO.UDP], RAS: [IPPROTO.UDP], 'Q.931': [IPPROTO.TCP],
  },
  ipv6: {
    ftp: [IPPROTO.TCP], tftp: [IPPROTO.UDP], sip: [IPPROTO.UDP, IPPROTO.TCP], amanda: [IPPROTO.UDP],
    sane: [IPPROTO.TCP], RAS: [IPPROTO.UDP], 'Q.931': [IPPROTO.TCP],
  },
};

/** Parsed options: the kernel's `xt_ct_target_info_v1`. */
export interface CtState {
  notrack: boolean;
  helper: string;
  timeout: string;
  ctEvents: number;
  expEvents: number;
  zone: number;
  /** XT_CT_ZONE_DIR_ORIG / _REPL / XT_CT_ZONE_MARK. */
  zoneOrig: boolean;
  zoneReply: boolean;
  zoneMark: boolean;
}

function parseEvents(names: readonly string[], text: string, fail: (m: string) => never): number {
  let mask = 0;
  for (const item of text.split(',')) {
    const bit = names.indexOf(item);
    if (bit < 0) fail(`Unknown event type "${item}" (expected a comma list of ${names.join(', ')})`);
    mask |= 1 << bit;
  }
  return mask;
}

function formatEvents(names: readonly string[], mask: number): string {
  return names.filter((_, bit) => mask & (1 << bit)).join(',');
}

/** Whether the packet already carries conntrack state (`skb->_nfct != 0`): an entry or UNTRACKED. */
export function hasNfct(pkt: Packet): boolean {
  return pkt.ct !== null || pkt.ctinfo === CTINFO.UNTRACKED;
}

/** `nf_ct_set(skb, NULL, IP_CT_UNTRACKED)` unless the packet already has conntrack state. */
export function untrack(pkt: Packet): void {
  if (hasNfct(pkt)) return;
  pkt.ct = null;
  pkt.ctinfo = CTINFO.UNTRACKED;
}

/** The CT target. */
export const CT: TargetExtension<CtState> = {
  needsConntrack: (s) => !s.notrack,
  kind: 'target',
  name: 'CT',
  options: [
    { name: 'notrack', args: 0 },
    { name: 'helper', args: 1 },
    { name: 'timeout', args: 1 },
    { name: 'ctevents', args: 1 },
    { name: 'expevents', args: 1 },
    { name: 'zone-orig', args: 1 },
    { name: 'zone-reply', args: 1 },
    { name: 'zone', args: 1 },
  ],
  tables: ['raw'],
  create: () => ({
    notrack: false, helper: '', timeout: '', ctEvents: 0, expEvents: 0, zone: 0,
    zoneOrig: false, zoneReply: false, zoneMark: false,
  }),
  parse(s, opt, [arg], _invert, ctx) {
    switch (opt) {
      case 'notrack': s.notrack = true; return;
      case 'helper': s.helper = xtString(ctx, arg!, HELPER_SIZE); return;
      case 'timeout': s.timeout = xtString(ctx, arg!, TIMEOUT_SIZE); return;
      case 'ctevents': s.ctEvents = parseEvents(CT_EVENTS, arg!, ctx.fail); return;
      case 'expevents': s.expEvents = parseEvents(EXP_EVENTS, arg!, ctx.fail); return;
      default: {
        // ct_parse_zone_id: direction flags accumulate, "mark" sets a flag that stays, a number
        // replaces the zone (which is reset to 0 either way).
        if (opt === 'zone-orig') s.zoneOrig = true;
        if (opt === 'zone-reply') s.zoneReply = true;
        s.zone = 0;
        if (arg!.toLowerCase() === 'mark') {
          s.zoneMark = true;
        } else {
          s.zone = xtStrtoul(arg!, 0, 0xffff) ?? ctx.fail(`Cannot parse ${arg} as a zone ID (expected 0-65535 or "mark")`);
        }
      }
    }
  },
  check(s, ctx) {
    if (s.notrack) return null;
    const proto = ctx.header.protoInv ? 0 : ctx.header.proto;
    if (s.helper !== '') {
      if (!proto) return `--helper ${s.helper}: You must specify a L4 protocol and not use inversions on it`;
      if (!CT_HELPERS[ctx.family][s.helper]?.includes(proto)) {
        return `No such helper "${s.helper}" for this family and protocol (known: ${Object.keys(CT_HELPERS[ctx.family]).join(', ')})`;
      }
    }
    if (s.timeout !== '') {
      if (!proto) return `--timeout ${s.timeout}: You must specify a L4 protocol and not use inversions on it`;
      return `no conntrack timeout policy "${s.timeout}" (natsim has no nfct timeout objects)`;
    }
    return null;
  },
  save(s) {
    let out = s.notrack ? ' --notrack' : '';
    if (s.helper !== '') out += ` --helper ${s.helper}`;
    if (s.timeout !== '') out += ` --timeout ${s.timeout}`;
    if (s.ctEvents) out += ` --ctevents ${formatEvents(CT_EVENTS, s.ctEvents)}`;
    if (s.expEvents) out += ` --expevents ${formatEvents(EXP_EVENTS, s.expEvents)}`;
    if (s.zoneMark || s.zone) {
      const dir = s.zoneOrig && !s.zoneReply ? '-orig' : s.zoneReply && !s.zoneOrig ? '-reply' : '';
      out += ` --zone${dir} ${s.zoneMark ? 'mark' : s.zone}`;
    }
    return out;
  },
  /** `--notrack`: untrack the packet; a template (any other use): NOT_IMPLEMENTED; continue. */
  target(s, pkt, _rt, ctx) {
    if (s.notrack) {
      untrack(pkt);
      return CONTINUE;
    }
    if (hasNfct(pkt)) return CONTINUE;
    const opts = CT.save(s, ctx.family).trim();
    throw new NatsimError('NOT_IMPLEMENTED', `-j CT ${opts === '' ? '(no options)' : opts}: the kernel attaches a conntrack template (${opts === '' ? 'an empty one' : opts.split(' ').filter((w) => w.startsWith('--')).join(', ')}), which natsim's conntrack does not model; only --notrack is modelled`, {}, EXIT_OTHER);
  },
};
