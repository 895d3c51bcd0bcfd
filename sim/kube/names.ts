/**
 * kube-proxy's chain names: the prefix (`KUBE-SVC-`, `KUBE-SVL-`, `KUBE-EXT-`, `KUBE-FW-`,
 * `KUBE-SEP-`) followed by the first 16 characters of the RFC 4648 base32 encoding (A–Z, 2–7) of
 * the SHA-256 of `namespace/name:portName` + lowercase protocol (+ `IP:port` for an endpoint).
 */
import { createHash } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (with `=` padding) of some bytes. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(acc << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

/** The 16-character hash kube-proxy puts after a chain prefix, for any input text. */
export function chainHash(text: string): string {
  return base32(createHash('sha256').update(text, 'utf8').digest()).slice(0, 16);
}

/** `namespace/name:portName`, kube-proxy's ServicePortName string (no `:` when the port is unnamed). */
export function servicePortName(namespace: string, name: string, portName: string): string {
  return portName === '' ? `${namespace}/${name}` : `${namespace}/${name}:${portName}`;
}

/** The per-service-port chain names (cluster policy, local policy, external, firewall). */
export interface ServiceChains {
  svc: string;
  svl: string;
  ext: string;
  fw: string;
}

/** The chains of one service port, from its ServicePortName string and protocol (any case). */
export function serviceChains(portName: string, protocol: string): ServiceChains {
  const h = chainHash(portName + protocol.toLowerCase());
  return { svc: `KUBE-SVC-${h}`, svl: `KUBE-SVL-${h}`, ext: `KUBE-EXT-${h}`, fw: `KUBE-FW-${h}` };
}

/** `KUBE-SEP-…` of one endpoint (`endpoint` is `IP:port`, or `[IPv6]:port`). */
export function endpointChain(portName: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${chainHash(portName + protocol.toLowerCase() + endpoint)}`;
}
