/**
 * The `conntrack -L` lines of `natsim replay`'s summary: `formatConntrackLine` (built by
 * concatenation, for tables of a quarter of a million entries) prints every entry exactly as the
 * plain field list of libnetfilter_conntrack's layout does — TCP in its states, UDP replied or not,
 * SCTP, ICMP, IPv6, NATed or not, marks, ASSURED/OFFLOAD bits, zones, any time.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../engine/engine.js';
import { IPS, remainingSeconds, type ConntrackEntry } from '../engine/conntrack/entry.js';
import { formatConntrackLine, formatTuple, protoName, writeConntrackLines, type FormatOptions } from '../engine/conntrack/format.js';
import { TCP_STATE_NAMES } from '../engine/conntrack/tcp.js';
import { hostFromSpec } from '../engine/host/host.js';
import { loadRuleset } from '../engine/ruleset/load.js';
import { packet } from './helpers/engine.js';

const SYN = 0x02, SYNACK = 0x12, ACK = 0x10, FIN = 0x01;

const rules = (family: 'ipv4' | 'ipv6'): string => `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
${family === 'ipv4' ? '-A PREROUTING -d 203.0.113.2/32 -i wan0 -p tcp -j DNAT --to-destination 192.168.1.10:8080\n-A POSTROUTING -o wan0 -j MASQUERADE' : '-A POSTROUTING -o wan0 -p udp -j MASQUERADE'}
COMMIT
`;

function node(family: 'ipv4' | 'ipv6'): Engine {
  const host = hostFromSpec({
    interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24', 'fd00:1::1/64'] }, { name: 'wan0', addrs: ['203.0.113.2/24', '2001:db8::2/64'] }],
    routes: ['default via 203.0.113.1 dev wan0', '::/0 via 2001:db8::1 dev wan0'],
  });
  return new Engine({ ruleset: loadRuleset([{ text: rules(family), file: `${family}.rules` }], family === 'ipv6' ? { family: 'ipv6' } : {}), host, seed: 'list' });
}

function entries(): { engine: Engine; list: ConntrackEntry[] }[] {
  const v4 = node('ipv4');
  // TCP out of the LAN: SYN only, a handshake, a closing one; a port forward; UDP with and without
  // a reply; SCTP; a ping; a packet to the node itself.
  v4.receive(packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 6, sport: 40000, dport: 80, tcpFlags: SYN }), 'lan0');
  v4.receive(packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 6, sport: 40001, dport: 443, tcpFlags: SYN, seq: 1 }), 'lan0');
  const synack = v4.conntrack.list(v4.now).at(-1)!.tuple[1];
  v4.receive(packet({ src: '198.51.100.5', dst: '203.0.113.2', proto: 6, sport: 443, dport: synack.dport, tcpFlags: SYNACK, seq: 100, ack: 2 }), 'wan0');
  v4.receive(packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 6, sport: 40001, dport: 443, tcpFlags: ACK, seq: 2, ack: 101 }), 'lan0');
  v4.receive(packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 6, sport: 40001, dport: 443, tcpFlags: FIN | ACK, seq: 2, ack: 101 }), 'lan0');
  v4.receive(packet({ src: '198.51.100.9', dst: '203.0.113.2', proto: 6, sport: 55555, dport: 80, tcpFlags: SYN }), 'wan0');
  v4.receive(packet({ src: '192.168.1.11', dst: '198.51.100.5', proto: 17, sport: 5000, dport: 53 }), 'lan0');
  v4.receive(packet({ src: '192.168.1.12', dst: '198.51.100.5', proto: 17, sport: 5001, dport: 53 }), 'lan0');
  const udp = v4.conntrack.list(v4.now).at(-1)!.tuple[1];
  v4.receive(packet({ src: '198.51.100.5', dst: '203.0.113.2', proto: 17, sport: 53, dport: udp.dport }), 'wan0');
  v4.receive(packet({ src: '192.168.1.13', dst: '198.51.100.5', proto: 132, sport: 7000, dport: 7001 }), 'lan0');
  v4.receive(packet({ src: '192.168.1.14', dst: '198.51.100.5', proto: 1, icmpId: 9, icmpSeq: 1 }), 'lan0');
  v4.receive(packet({ src: '192.168.1.15', dst: '192.168.1.1', proto: 17, sport: 6000, dport: 161 }), 'lan0');
  const v6 = node('ipv6');
  v6.receive(packet({ src: 'fd00:1::10', dst: '2001:db8:5::5', proto: 17, sport: 5000, dport: 53 }), 'lan0');
  v6.receive(packet({ src: 'fd00:1::10', dst: '2001:db8:5::5', proto: 6, sport: 5000, dport: 80, tcpFlags: SYN }), 'lan0');
  v6.receive(packet({ src: 'fd00:1::10', dst: '2001:db8:5::5', proto: 58, icmpId: 3 }), 'lan0');
  return [v4, v6].map((engine) => ({ engine, list: engine.conntrack.list(engine.now) }));
}

/** The reference: `__snprintf_conntrack_default`'s fields in order, one space between them. */
function fieldList(e: ConntrackEntry, now: number): string {
  const [orig, reply] = e.tuple;
  const f: string[] = [`${protoName(orig.proto).padEnd(8)} ${orig.proto}`, String(remainingSeconds(e, now))];
  if (e.proto.kind === 'tcp') f.push(TCP_STATE_NAMES[e.proto.state] ?? 'NONE');
  f.push(formatTuple(orig));
  if (!(e.status & IPS.SEEN_REPLY)) f.push('[UNREPLIED]');
  f.push(formatTuple(reply));
  if (e.status & IPS.OFFLOAD) f.push('[OFFLOAD]');
  else if (e.status & IPS.HW_OFFLOAD) f.push('[HW_OFFLOAD]');
  else if (e.status & IPS.ASSURED) f.push('[ASSURED]');
  f.push(`mark=${e.mark >>> 0}`);
  if (e.zone !== 0) f.push(`zone=${e.zone}`);
  f.push('use=1');
  return f.join(' ');
}

describe('conntrack -L lines', () => {
  const pieces = (e: ConntrackEntry, now: number, opts?: FormatOptions): string => {
    let text = '';
    writeConntrackLines([e], now, (p) => { text += p; }, opts);
    expect(text.endsWith('\n')).toBe(true);
    return text.slice(0, -1);
  };

  it.each([['formatConntrackLine', formatConntrackLine], ['writeConntrackLines', pieces]] as const)('%s prints each entry as the plain field list does, whatever its protocol, state, NAT, bits, mark and time', (_name, line) => {
    const lines = { line };
    let compared = 0;
    for (const { engine, list } of entries()) {
      expect(list.length).toBeGreaterThan(2);
      for (const e of list) {
        const { status, mark } = e;
        const variants: [number, number][] = [[status, mark], [status | IPS.ASSURED, 7], [status | IPS.OFFLOAD, 0xffffffff], [status | IPS.HW_OFFLOAD, 1], [status & ~IPS.SEEN_REPLY, 0], [status | IPS.SEEN_REPLY, -1]];
        for (const [st, m] of variants) {
          e.status = st; e.mark = m;
          for (const now of [engine.now, engine.now + 1500, engine.now + 86_400_000 * 10]) {
            expect(lines.line(e, now)).toBe(fieldList(e, now));
            compared++;
          }
        }
        e.status = status; e.mark = mark;
        // A plain copy (the table's entries keep their timeout and tuples behind accessors a spread would not copy).
        const zoned = { ...e, timeout: e.timeout, tuple: e.tuple, zone: 3 } as ConntrackEntry;
        expect(lines.line(zoned, engine.now)).toBe(fieldList(zoned, engine.now));
      }
    }
    expect(compared).toBeGreaterThan(150);
  });

  it('writeConntrackLines gives formatConntrackLine\'s lines, with accounting and extended, in pieces that split only between lines', () => {
    const all = entries().flatMap(({ engine, list }) => list.map((e) => ({ e, now: engine.now })));
    for (const opts of [{}, { accounting: true }, { extended: true }, { accounting: true, extended: true }] as FormatOptions[]) {
      for (const { e, now } of all) {
        // Counters past 2^32, marks and times of every size.
        const saved = { ob: e.origBytes, rb: e.replyBytes, op: e.origPackets };
        e.origBytes = 2 ** 40 + 7; e.replyBytes = 4294967295; e.origPackets = 10;
        expect(pieces(e, now, opts)).toBe(formatConntrackLine(e, now, opts));
        e.origBytes = saved.ob; e.replyBytes = saved.rb; e.origPackets = saved.op;
      }
    }
    // Many entries: more than one piece, each ending with a whole line.
    const many = Array.from({ length: 2000 }, () => all).flat();
    const got: string[] = [];
    writeConntrackLines(many.map((x) => x.e), all[0]!.now, (p) => got.push(p));
    expect(got.length).toBeGreaterThan(1);
    for (const p of got) expect(p.endsWith('\n')).toBe(true);
    expect(got.join('')).toBe(many.map((x) => formatConntrackLine(x.e, all[0]!.now) + '\n').join(''));
  });
});
