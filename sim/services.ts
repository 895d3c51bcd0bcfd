/**
 * Services found in a ruleset's nat table from the rules themselves (comments only label them):
 * a rule reachable from PREROUTING or OUTPUT that matches one host destination address, a
 * protocol and a single destination port, and jumps to a chain or DNATs — kube-proxy's
 * `KUBE-SERVICES -d VIP -p P --dport N -j KUBE-SVC-…` rules, and any hand-written equivalent.
 */
import { formatAddr, maskLength, type Words } from '../engine/net/addr.js';
import type { Ruleset } from '../engine/ruleset/model.js';
import { reachability } from '../engine/ruleset/check.js';
import { protocolName } from '../engine/ext/values.js';

/** A service address. */
export interface ServiceAddress {
  addr: Words;
  port: number;
  proto: number;
  /** `ns/name:port` from a kube-proxy comment when there is one, else `proto addr:port`. */
  label: string;
}

/** Every distinct (protocol, address, port) the nat table steers by, in rule order. */
export function findServices(rs: Ruleset): ServiceAddress[] {
  const nat = rs.tables.get('nat');
  if (!nat) return [];
  const { hooks } = reachability(nat);
  const out: ServiceAddress[] = [];
  const seen = new Set<string>();
  const full = rs.family === 'ipv4' ? 32 : 128;
  for (const chain of nat.chains.values()) {
    const h = hooks.get(chain.name)!;
    if (!h.has('PREROUTING') && !h.has('OUTPUT')) continue;
    for (const r of chain.rules) {
      if (!r.dst || r.dstInv || maskLength(r.dst.mask) !== full) continue;
      if (r.protoInv || ![6, 17, 132].includes(r.proto)) continue;
      const jumps = r.target.kind === 'jump' || (r.target.kind === 'ext' && r.target.ext.name === 'DNAT');
      if (!jumps) continue;
      let port: number | null = null;
      let comment = '';
      for (const m of r.matches) {
        const st = m.state as { dpts?: [number, number]; inv?: { dpts?: boolean }; text?: string | null };
        if ((m.ext.name === 'tcp' || m.ext.name === 'udp' || m.ext.name === 'sctp') && st.dpts && !st.inv?.dpts && st.dpts[0] === st.dpts[1]) port = st.dpts[0];
        if (m.ext.name === 'comment' && typeof st.text === 'string') comment = st.text;
      }
      if (port === null) continue;
      const addrText = formatAddr(rs.family, r.dst.addr);
      const key = `${r.proto}/${addrText}/${port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const label = comment ? comment.replace(/ (cluster IP|external IP|loadbalancer IP)$/, '') : `${protocolName(r.proto)} ${addrText}:${port}`;
      out.push({ addr: r.dst.addr, port, proto: r.proto, label });
    }
  }
  return out;
}
