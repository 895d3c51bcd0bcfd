/**
 * `-m tcpmss [!] --mss min[:max]`: the MSS option of TCP SYN and SYN/ACK segments within a range
 * (libxt_tcpmss, xt_tcpmss.c); the rule must say `-p tcp`.
 *
 * Packet behaviour (xt_tcpmss.c `tcpmss_mt`): the kernel does not look at the flags (only SYNs
 * carry MSS in practice, but any segment's options are read) nor at the fragment offset (a
 * non-first fragment is read at `thoff` as if it were a TCP header: IPv4 after the IP header,
 * IPv6 at offset 0). A 20-byte header beyond the packet, a data offset below 5 or options cut
 * short hot-drop. The first well-formed MSS option (kind 2, length 4, whole) decides
 * `min ≤ mss ≤ max` XOR `!`; without one the result is the `!` flag alone (a plain `--mss` does
 * not match, `! --mss` does).
 */
import type { MatchExtension } from '../types.js';
import { IPPROTO } from '../values.js';
import { formatRange, parseUint16RC, type Range } from '../port-ranges.js';
import { be16, headerPointer, thoff } from '../header-pointer.js';

/** TCPOPT_MSS and TCPOLEN_MSS. */
const TCPOPT_MSS = 2;
const TCPOLEN_MSS = 4;

/** Parsed options: the kernel's `xt_tcpmss_match_info`. */
export interface TcpmssState { mss: Range; invert: boolean; given: boolean }

/** The tcpmss match. */
export const tcpmss: MatchExtension<TcpmssState> = {
  kind: 'match',
  name: 'tcpmss',
  proto: IPPROTO.TCP,
  options: [{ name: 'mss', args: 1, invert: true }],
  create: () => ({ mss: [0, 0], invert: false, given: false }),
  parse(s, _opt, [arg], invert, ctx) {
    s.mss = parseUint16RC(ctx, 'mss', arg!);
    if (s.mss[0] > s.mss[1]) ctx.fail('invalid range given');
    s.invert = invert;
    s.given = true;
  },
  finalCheck(s, ctx) {
    if (!s.given) ctx.fail('option "--mss" must be specified');
  },
  /** `tcpmss_mt`: walk the options for MSS; hot-drop when the header or options are cut short. */
  match(s, pkt, _rt, ctx) {
    const off = thoff(pkt);
    const th = headerPointer(pkt, off, 20, 'tcpmss');
    const doff = th ? th[12]! >>> 4 : 0;
    if (!th || doff < 5) {
      ctx.hotdrop();
      return false;
    }
    const optlen = doff * 4 - 20;
    if (optlen === 0) return s.invert;
    const op = headerPointer(pkt, off + 20, optlen, 'tcpmss');
    if (!op) {
      ctx.hotdrop();
      return false;
    }
    for (let i = 0; i < optlen;) {
      if (op[i] === TCPOPT_MSS && optlen - i >= TCPOLEN_MSS && op[i + 1] === TCPOLEN_MSS) {
        const mss = be16(op, i + 2);
        return (mss >= s.mss[0] && mss <= s.mss[1]) !== s.invert;
      }
      i += op[i]! < 2 ? 1 : (op[i + 1] ?? 0) || 1;
    }
    return s.invert;
  },
  save: (s) => `${s.invert ? ' !' : ''} --mss ${formatRange(s.mss)}`,
};
