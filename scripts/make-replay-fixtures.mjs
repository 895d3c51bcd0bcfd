// Regenerates the replay fixtures test/fixtures/capture/dns-seed.pcap and home-router.pcapng
// (known-answer captures for test/replay-fixtures.test.ts). Usage: npm run build && node scripts/make-replay-fixtures.mjs test/fixtures/capture
import { CaptureWriter } from '../dist/sim/capture/writer.js';
import { encapsulate, LINKTYPE } from '../dist/sim/capture/link.js';
import { buildPacketBytes } from '../dist/engine/packet.js';
import { parseIPv4Strict as ip } from '../dist/engine/net/addr.js';
const out = process.argv[2];
const eth = (d) => encapsulate(LINKTYPE.ETHERNET, 'ipv4', d);
// Seed node: 6 DNS queries from a client to 10.96.0.10:53 and their answers, captured on the client's side.
{
  const w = CaptureWriter.toFile(`${out}/dns-seed.pcap`, { format: 'pcap', linkType: LINKTYPE.ETHERNET });
  for (let i = 0; i < 6; i++) {
    w.write({ tsSec: 1_764_000_000, tsNsec: i * 1_000_000, data: eth(buildPacketBytes({ family: 'ipv4', src: [ip('172.18.0.100')], dst: [ip('10.96.0.10')], proto: 17, sport: 50000 + i, dport: 53, payload: Uint8Array.of(0x12, i, 1, 0) })) });
    w.write({ tsSec: 1_764_000_000, tsNsec: i * 1_000_000 + 400_000, data: eth(buildPacketBytes({ family: 'ipv4', src: [ip('10.96.0.10')], dst: [ip('172.18.0.100')], proto: 17, sport: 53, dport: 50000 + i, payload: Uint8Array.of(0x12, i, 0x81, 0x80) })) });
  }
  w.close();
}
// Home router: a LAN laptop's TCP handshake to a WAN server (captured on lan0), and a WAN client's handshake to the port forward (captured on wan0).
{
  const w = CaptureWriter.toFile(`${out}/home-router.pcapng`, { format: 'pcapng', linkType: LINKTYPE.ETHERNET, interfaces: ['lan0', 'wan0'] });
  const t = (k) => ({ tsSec: 1_764_000_100, tsNsec: k * 1_000_000 });
  w.write({ ...t(0), interface: 'lan0', data: eth(buildPacketBytes({ family: 'ipv4', src: [ip('192.168.1.10')], dst: [ip('203.0.113.5')], proto: 6, sport: 41000, dport: 443, tcpFlags: 0x02, seq: 1000 })) });
  w.write({ ...t(1), interface: 'lan0', data: eth(buildPacketBytes({ family: 'ipv4', src: [ip('203.0.113.5')], dst: [ip('192.168.1.10')], proto: 6, sport: 443, dport: 41000, tcpFlags: 0x12, seq: 5000, ack: 1001 })) });
  w.write({ ...t(2), interface: 'lan0', data: eth(buildPacketBytes({ family: 'ipv4', src: [ip('192.168.1.10')], dst: [ip('203.0.113.5')], proto: 6, sport: 41000, dport: 443, tcpFlags: 0x10, seq: 1001, ack: 5001 })) });
  w.write({ ...t(3), interface: 'wan0', data: eth(buildPacketBytes({ family: 'ipv4', src: [ip('203.0.113.9')], dst: [ip('198.51.100.2')], proto: 6, sport: 55555, dport: 80, tcpFlags: 0x02, seq: 7000 })) });
  w.write({ ...t(4), interface: 'wan0', data: eth(buildPacketBytes({ family: 'ipv4', src: [ip('198.51.100.2')], dst: [ip('203.0.113.9')], proto: 6, sport: 80, dport: 55555, tcpFlags: 0x12, seq: 9000, ack: 7001 })) });
  w.write({ ...t(5), interface: 'wan0', data: eth(buildPacketBytes({ family: 'ipv4', src: [ip('203.0.113.9')], dst: [ip('198.51.100.2')], proto: 6, sport: 55555, dport: 80, tcpFlags: 0x10, seq: 7001, ack: 9001 })) });
  w.write({ ...t(6), interface: 'wan0', data: eth(buildPacketBytes({ family: 'ipv4', src: [ip('203.0.113.9')], dst: [ip('198.51.100.2')], proto: 6, sport: 55556, dport: 22, tcpFlags: 0x02, seq: 1 })) });
  w.close();
}
