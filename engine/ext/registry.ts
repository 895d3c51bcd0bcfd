/**
 * The explicit list of every extension natsim knows, and lookup by name and family. A test checks
 * that every module under match/ and target/ is listed here and has corpus lines.
 */
import type { Family } from '../net/addr.js';
import type { Extension, MatchExtension, TargetExtension } from './types.js';
import { addrtype } from './match/addrtype.js';
import { comment } from './match/comment.js';
import { connmark } from './match/connmark.js';
import { conntrack } from './match/conntrack.js';
import { dscp } from './match/dscp.js';
import { hashlimit } from './match/hashlimit.js';
import { hl } from './match/hl.js';
import { icmp } from './match/icmp.js';
import { icmp6 } from './match/icmp6.js';
import { iprange } from './match/iprange.js';
import { length } from './match/length.js';
import { limit } from './match/limit.js';
import { mac } from './match/mac.js';
import { mark } from './match/mark.js';
import { multiport } from './match/multiport.js';
import { owner } from './match/owner.js';
import { physdev } from './match/physdev.js';
import { pkttype } from './match/pkttype.js';
import { policy } from './match/policy.js';
import { recent } from './match/recent.js';
import { rpfilter } from './match/rpfilter.js';
import { sctp } from './match/sctp.js';
import { set } from './match/set.js';
import { socket } from './match/socket.js';
import { state } from './match/state.js';
import { statistic } from './match/statistic.js';
import { string } from './match/string.js';
import { tcp } from './match/tcp.js';
import { tcpmss } from './match/tcpmss.js';
import { tos } from './match/tos.js';
import { ttl } from './match/ttl.js';
import { u32 } from './match/u32.js';
import { udp } from './match/udp.js';
import { CHECKSUM } from './target/checksum.js';
import { CONNMARK } from './target/connmark.js';
import { CT } from './target/ct.js';
import { DNAT } from './target/dnat.js';
import { DSCP } from './target/dscp.js';
import { HL } from './target/hl.js';
import { LOG } from './target/log.js';
import { MARK } from './target/mark.js';
import { MASQUERADE } from './target/masquerade.js';
import { NETMAP } from './target/netmap.js';
import { NFLOG } from './target/nflog.js';
import { NOTRACK } from './target/notrack.js';
import { REDIRECT } from './target/redirect.js';
import { REJECT } from './target/reject.js';
import { REJECT6 } from './target/reject6.js';
import { SNAT } from './target/snat.js';
import { TCPMSS } from './target/tcpmss.js';
import { TOS } from './target/tos.js';
import { TPROXY } from './target/tproxy.js';
import { TRACE } from './target/trace.js';
import { TTL } from './target/ttl.js';

/** Every match extension. */
export const MATCHES: readonly MatchExtension<any>[] = [
  addrtype,
  comment,
  connmark,
  conntrack,
  dscp,
  hashlimit,
  hl,
  icmp,
  icmp6,
  iprange,
  length,
  limit,
  mac,
  mark,
  multiport,
  owner,
  physdev,
  pkttype,
  policy,
  recent,
  rpfilter,
  sctp,
  set,
  socket,
  state,
  statistic,
  string,
  tcp,
  tcpmss,
  tos,
  ttl,
  u32,
  udp,
];

/** Every target extension (the standard verdicts ACCEPT, DROP, RETURN, QUEUE are built into the parser). */
export const TARGETS: readonly TargetExtension<any>[] = [
  CHECKSUM,
  CONNMARK,
  CT,
  DNAT,
  DSCP,
  HL,
  LOG,
  MARK,
  MASQUERADE,
  NETMAP,
  NFLOG,
  NOTRACK,
  REDIRECT,
  REJECT,
  REJECT6,
  SNAT,
  TCPMSS,
  TOS,
  TPROXY,
  TRACE,
  TTL,
];

function index(list: readonly Extension[]): Map<string, Extension> {
  const m = new Map<string, Extension>();
  for (const ext of list) {
    for (const family of ext.families ?? (['ipv4', 'ipv6'] as const)) {
      for (const name of [ext.name, ...(ext.aliases ?? [])]) m.set(`${family}:${name}`, ext);
    }
  }
  return m;
}

const matchIndex = index(MATCHES);
const targetIndex = index(TARGETS);

/** The match loaded by `-m NAME` in this family, if any. */
export function findMatch(name: string, family: Family): MatchExtension<any> | undefined {
  return matchIndex.get(`${family}:${name}`) as MatchExtension<any> | undefined;
}

/** The target loaded by `-j NAME` in this family, if any. */
export function findTarget(name: string, family: Family): TargetExtension<any> | undefined {
  return targetIndex.get(`${family}:${name}`) as TargetExtension<any> | undefined;
}
