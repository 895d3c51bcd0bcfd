/** LOG and NFLOG packet behaviour: the kernel's nf_log_syslog line, then XT_CONTINUE. */
import { describe, expect, it } from 'vitest';
import { NatsimError } from '../../engine/errors.js';
import { decodePacket } from '../../engine/packet.js';
import { parseMac } from '../../engine/wire/ethernet.js';
import { packet, testContext } from '../helpers/engine.js';
import { runRule } from './target-helpers.js';

const mangle = (o: Parameters<typeof testContext>[0] = {}) => testContext({ table: 'mangle', hook: 'PREROUTING', ...o });

describe('LOG', () => {
  it('reproduces the kernel sample line (MAC, DF, UDP, MARK) and continues', () => {
    const p = packet({ src: '10.99.0.1', dst: '10.99.0.2', proto: 17, sport: 40001, dport: 5353, ipId: 29412, payload: new Uint8Array(5), in: 'vb' });
    p.link = { dst: parseMac('e2:d3:c4:41:83:d2')!, src: parseMac('da:9a:ea:b8:62:bd')!, vlans: [], ethertype: 0x0800, payloadOffset: 14 };
    p.mark = 5;
    const c = mangle();
    const r = runRule('-j LOG --log-prefix "MYLOG: "', p, c);
    expect(r.verdict).toBe('ACCEPT');
    expect(r.trace[0]!.action).toBe('LOG, continue');
    expect(c.logs).toEqual(['MYLOG: IN=vb OUT= MAC=e2:d3:c4:41:83:d2:da:9a:ea:b8:62:bd:08:00 SRC=10.99.0.1 DST=10.99.0.2 LEN=33 TOS=0x00 PREC=0x00 TTL=64 ID=29412 DF PROTO=UDP SPT=40001 DPT=5353 LEN=13 MARK=0x5 ']);
  });

  it('TCP with --log-tcp-sequence and --log-tcp-options; no MAC without an input device', () => {
    const p = packet({ src: '192.0.2.1', dst: '198.51.100.9', proto: 6, sport: 1234, dport: 80, tcpFlags: 0x12, seq: 100, ack: 7, window: 512, tos: 0xb8, out: 'eth0' });
    // Give it a 4-byte MSS option: rebuild with doff 6.
    const b = new Uint8Array(p.data.length + 4);
    b.set(p.data.subarray(0, 40)); b.set([2, 4, 5, 180], 40);
    b[3] = 44; b[32] = 0x60;
    const q = decodePacket('ipv4', b); q.outIface = 'eth0';
    const c = testContext({ table: 'filter', hook: 'OUTPUT' });
    runRule('-j LOG --log-tcp-sequence --log-tcp-options', q, c);
    expect(c.logs[0]).toBe('IN= OUT=eth0 SRC=192.0.2.1 DST=198.51.100.9 LEN=44 TOS=0x18 PREC=0xA0 TTL=64 ID=0 DF PROTO=TCP SPT=1234 DPT=80 SEQ=100 ACK=7 WINDOW=512 RES=0x00 ACK SYN URGP=0 OPT (020405B4) ');
    const c2 = testContext({ table: 'filter', hook: 'OUTPUT' });
    runRule('-j LOG', q, c2);
    expect(c2.logs[0]).toBe('IN= OUT=eth0 SRC=192.0.2.1 DST=198.51.100.9 LEN=44 TOS=0x18 PREC=0xA0 TTL=64 ID=0 DF PROTO=TCP SPT=1234 DPT=80 WINDOW=512 RES=0x00 ACK SYN URGP=0 ');
  });

  it('ICMP echo, and an ICMP error with its quoted packet one level deep; loopback MAC is zeros', () => {
    const echo = packet({ src: '127.0.0.1', dst: '127.0.0.1', proto: 1, icmpType: 8, icmpId: 7, icmpSeq: 3, in: 'lo' });
    const c = mangle();
    runRule('-j LOG', echo, c);
    expect(c.logs[0]).toBe('IN=lo OUT= MAC=00:00:00:00:00:00:00:00:00:00:00:00:08:00 SRC=127.0.0.1 DST=127.0.0.1 LEN=28 TOS=0x00 PREC=0x00 TTL=64 ID=0 DF PROTO=ICMP TYPE=8 CODE=7 '.replace('CODE=7', 'CODE=0') + 'ID=7 SEQ=3 ');
    const inner = packet({ src: '192.0.2.1', dst: '203.0.113.5', proto: 17, sport: 5000, dport: 53 });
    const err = packet({ src: '203.0.113.5', dst: '192.0.2.1', proto: 1, icmpType: 3, icmpCode: 3, payload: inner.data, in: 'eth1' });
    const c2 = mangle();
    runRule('-j LOG --log-prefix "x "', err, c2);
    expect(c2.logs[0]).toBe('x IN=eth1 OUT= MAC= SRC=203.0.113.5 DST=192.0.2.1 LEN=57 TOS=0x00 PREC=0x00 TTL=64 ID=0 DF PROTO=ICMP TYPE=3 CODE=3 [SRC=192.0.2.1 DST=203.0.113.5 LEN=29 TOS=0x00 PREC=0x00 TTL=64 ID=0 DF PROTO=UDP SPT=5000 DPT=53 LEN=9 ] ');
  });

  it('--log-macdecode, --log-uid, --log-ip-options and a non-first fragment', () => {
    const p = packet({ src: '198.51.100.7', dst: '192.0.2.1', proto: 6, sport: 1, dport: 2, in: 'eth0' });
    p.link = { dst: parseMac('02:00:00:00:00:01')!, src: parseMac('02:00:00:00:00:02')!, vlans: [{ tpid: 0x8100, pcp: 0, dei: false, vid: 10 }], ethertype: 0x0800, payloadOffset: 18 };
    const c = mangle();
    runRule('-j LOG --log-macdecode', p, c);
    expect(c.logs[0]).toMatch(/^IN=eth0 OUT= MACSRC=02:00:00:00:00:02 MACDST=02:00:00:00:00:01 VPROTO=8100 VID=10 MACPROTO=0800 SRC=198\.51\.100\.7 /);
    // Local socket: UID/GID follow PROTO.
    const o = packet({ src: '192.0.2.1', dst: '198.51.100.7', proto: 17, sport: 9, dport: 9, out: 'eth0' });
    o.socket = { uid: 1000, gid: 100 };
    const c2 = testContext({ table: 'filter', hook: 'OUTPUT' });
    runRule('-j LOG --log-uid', o, c2);
    expect(c2.logs[0]).toMatch(/PROTO=UDP SPT=9 DPT=9 LEN=9 UID=1000 GID=100 $/);
    // IP options (a NOP and an end-of-list) printed in hex; fragment offset 185 → no ports.
    const b = new Uint8Array(24 + 8);
    b.set([0x46, 0, 0, 32, 0, 1, 0x20 | 0, 185, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 1, 1, 0]);
    const f = decodePacket('ipv4', b);
    const c3 = mangle({ hook: 'OUTPUT' });
    runRule('-j LOG --log-ip-options', f, c3);
    expect(c3.logs[0]).toBe('IN= OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=32 TOS=0x00 PREC=0x00 TTL=64 ID=1 MF FRAG:185 OPT (01010100) PROTO=UDP ');
  });

  it('a truncated TCP header prints INCOMPLETE and nothing after it; a capture cut short stops loudly', () => {
    const b = new Uint8Array(30);
    b.set([0x45, 0, 0, 30, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    const p = decodePacket('ipv4', b);
    p.mark = 9;
    const c = mangle({ hook: 'OUTPUT' });
    runRule('-j LOG', p, c);
    expect(c.logs[0]).toBe('IN= OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=30 TOS=0x00 PREC=0x00 TTL=64 ID=0 DF PROTO=TCP INCOMPLETE [10 bytes] ');
    const full = packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, sport: 1, dport: 2 });
    const cut = decodePacket('ipv4', full.data.slice(0, 24), full.data.length);
    expect(() => runRule('-j LOG', cut, mangle({ hook: 'OUTPUT' }))).toThrow(NatsimError);
  });

  it('IPv6: uncompressed addresses, TC, HOPLIMIT, FLOWLBL, ICMPv6 echo', () => {
    const p = packet({ src: '2001:db8::2', dst: '2001:db8::1', proto: 58, icmpType: 128, icmpId: 1, icmpSeq: 2, tos: 0x20, in: 'eth0' });
    const c = testContext({ family: 'ipv6', table: 'mangle', hook: 'PREROUTING' });
    runRule('-j LOG', p, c);
    expect(c.logs[0]).toBe('IN=eth0 OUT= MAC= SRC=2001:0db8:0000:0000:0000:0000:0000:0002 DST=2001:0db8:0000:0000:0000:0000:0000:0001 LEN=48 TC=32 HOPLIMIT=64 FLOWLBL=0 PROTO=ICMPv6 TYPE=128 CODE=0 ID=1 SEQ=2 ');
  });
});

describe('NFLOG', () => {
  it('records group, prefix and the packet, then continues', () => {
    const p = packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 1, dport: 2, in: 'eth0' });
    const c = mangle();
    const r = runRule('-j NFLOG --nflog-group 5 --nflog-prefix "drop: "', p, c);
    expect(r.verdict).toBe('ACCEPT');
    expect(c.logs).toEqual(['NFLOG group=5 prefix="drop: ": drop: IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=29 TOS=0x00 PREC=0x00 TTL=64 ID=0 DF PROTO=UDP SPT=1 DPT=2 LEN=9 ']);
  });
});
