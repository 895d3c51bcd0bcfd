/**
 * `--sysctl` and `--sysctl-file`: the node's kernel settings by their sysctl names, applied to the
 * host model and conntrack; unknown keys an error on the command line, a counted note from a file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../engine/engine.js';
import { hostFromSpec } from '../engine/host/host.js';
import { loadRuleset } from '../engine/ruleset/load.js';
import { applySysctls, ignoredNote, parseSysctlArg, readSysctlFile } from '../sim/sysctl.js';
import { packet } from './helpers/engine.js';
import { PKT_TYPE } from '../engine/packet.js';

const dir = mkdtempSync(join(tmpdir(), 'natsim-sysctl-'));
const bin = join(import.meta.dirname, '..', 'bin', 'natsim.js');
const host = hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24'] }, { name: 'eth0.100', addrs: ['203.0.113.2/24'] }], routes: ['default via 203.0.113.1 dev eth0.100'] });

describe('sysctl settings', () => {
  it('reads `sysctl -a` output: the modelled keys change the host model and conntrack, the rest are counted by reason', () => {
    const file = join(dir, 'node.sysctl');
    writeFileSync(file, [
      '# sysctl -a (an excerpt)', 'kernel.pid_max = 4194304', 'net.core.somaxconn = 4096',
      'net.ipv4.conf.all.rp_filter = 2', 'net.ipv4.conf.default.rp_filter = 2', 'net.ipv4.conf.lan0.rp_filter = 1',
      'net.ipv4.conf.eth0/100.send_redirects = 0', 'net.ipv4.conf.veth9.rp_filter = 0', 'net.ipv4.ip_forward = 0',
      'net.ipv4.conf.all.route_localnet = 1', 'net.ipv6.conf.all.forwarding = 1',
      'net.netfilter.nf_conntrack_max = 131072', 'net.netfilter.nf_conntrack_buckets = 32768', 'net.netfilter.nf_conntrack_tcp_be_liberal = 1', 'net.netfilter.nf_conntrack_checksum = 0',
      'net.netfilter.nf_conntrack_udp_timeout = 60', 'net.netfilter.nf_conntrack_tcp_timeout_established = 86400', '; a comment', '',
    ].join('\n'));
    const settings = readSysctlFile(file);
    expect(settings[2]).toMatchObject({ key: 'net.ipv4.conf.all.rp_filter', value: '2', where: `${file}:4`, explicit: false });
    const a = applySysctls(host, settings);
    expect(a.host.rpFilter).toBe(2);
    expect(a.host.interfaces.get('lan0')!.rpFilter).toBe(1);
    expect(a.host.interfaces.get('eth0.100')!.sendRedirects).toBe(false);
    expect(a.host.forwarding).toEqual({ ipv4: false, ipv6: true });
    expect(a.host.routeLocalnet).toBe(true);
    // The host given is not changed.
    expect(host.rpFilter).toBeUndefined();
    expect(host.interfaces.get('lan0')!.rpFilter).toBeUndefined();
    expect(a.conntrack).toMatchObject({ max: 131072, buckets: 32768, tcpBeLiberal: true, checksum: false, udpTimeout: 60 });
    expect(a.conntrack.tcpTimeouts!.ESTABLISHED).toBe(86400);
    expect(a.conntrack.tcpTimeouts!.TIME_WAIT).toBe(120);
    expect(a.ignored.map((g) => g.key)).toEqual(['kernel.pid_max', 'net.core.somaxconn', 'net.ipv4.conf.default.rp_filter', 'net.ipv4.conf.veth9.rp_filter']);
    const note = ignoredNote(a.ignored);
    expect(note).toContain('4 sysctl settings read and ignored: 2 not modelled (kernel.pid_max, net.core.somaxconn)');
    expect(note).toContain('1 applies to interfaces made later');
    expect(note).toContain('1 the host model has no interface veth9');
  });

  it('on the command line an unknown key or a bad value is an error; in a file a bad line names file and line', () => {
    expect(() => applySysctls(host, [parseSysctlArg('net.core.somaxconn=1')])).toThrow(/--sysctl net.core.somaxconn: not a setting natsim models/);
    expect(() => applySysctls(host, [parseSysctlArg('net.ipv4.conf.all.rp_filter=3')])).toThrow(/rp_filter = 3: expected a whole number from 0 to 2/);
    expect(() => parseSysctlArg('rp_filter')).toThrow(/expected KEY=VALUE/);
    // The old name of nf_conntrack_max, and the slashed form sysctl takes too.
    expect(applySysctls(host, [parseSysctlArg('net.nf_conntrack_max=1000')]).conntrack.max).toBe(1000);
    expect(applySysctls(host, [parseSysctlArg('net.netfilter.nf_conntrack_buckets=1000')]).conntrack.buckets).toBe(1000);
    expect(() => applySysctls(host, [parseSysctlArg('net.netfilter.nf_conntrack_buckets=0')])).toThrow(/nf_conntrack_buckets = 0: expected a whole number from 1 to 2147483647/);
    expect(applySysctls(host, [parseSysctlArg('net/ipv4/conf/eth0.100/rp_filter=2')]).host.interfaces.get('eth0.100')!.rpFilter).toBe(2);
    const file = join(dir, 'bad.sysctl');
    writeFileSync(file, 'net.ipv4.ip_forward = 1\nnet.ipv4.ip_forward\n');
    expect(() => readSysctlFile(file)).toThrow(/expected "key = value"/);
    writeFileSync(file, 'net.ipv4.ip_forward = yes\n');
    let caught: unknown = null;
    try { applySysctls(host, readSysctlFile(file)); } catch (e) { caught = e; }
    expect(caught).toMatchObject({ message: 'net.ipv4.ip_forward = yes: expected a whole number from 0 to 1', loc: { file, line: 1 } });
  });

  it('IPv4 forwarding is the arrival device\'s own setting; writing ip_forward (or all.forwarding) with a new value sets every device\'s, a file\'s value does not', () => {
    const rules = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';
    const fate = (settings: string[], from: 'lan0' | 'eth0.100', file = false): string => {
      const ss = file ? settings.map((t, k) => ({ ...parseSysctlArg(t), explicit: false, where: `node.sysctl:${k + 1}` })) : settings.map(parseSysctlArg);
      const h = applySysctls(host, ss).host;
      const e = new Engine({ ruleset: loadRuleset([{ text: rules, file: 'r.rules' }]), host: h, seed: 's' });
      const r = from === 'lan0'
        ? e.receive(packet({ src: '192.168.1.10', dst: '198.51.100.7', proto: 17, sport: 5000, dport: 53 }), 'lan0')
        : e.receive(packet({ src: '198.51.100.7', dst: '192.168.1.10', proto: 17, sport: 53, dport: 5000 }), 'eth0.100');
      return r.fate.kind === 'dropped' ? `dropped: ${r.fate.by}` : r.fate.kind;
    };
    expect(fate([], 'lan0')).toBe('forwarded');
    expect(fate(['net.ipv4.conf.lan0.forwarding=0'], 'lan0')).toBe('dropped: not for this node and forwarding is off (net.ipv4.conf.lan0.forwarding = 0)');
    expect(fate(['net.ipv4.conf.lan0.forwarding=0'], 'eth0.100')).toBe('forwarded');
    // The same value again changes nothing; a change (off, then on) sets every device.
    expect(fate(['net.ipv4.conf.lan0.forwarding=0', 'net.ipv4.ip_forward=1'], 'lan0')).toMatch(/^dropped/);
    expect(fate(['net.ipv4.conf.lan0.forwarding=0', 'net.ipv4.ip_forward=0', 'net.ipv4.conf.all.forwarding=1'], 'lan0')).toBe('forwarded');
    expect(fate(['net.ipv4.ip_forward=0'], 'eth0.100')).toBe('dropped: not for this node and forwarding is off (net.ipv4.ip_forward = 0)');
    expect(fate(['net.ipv4.ip_forward=0', 'net.ipv4.conf.eth0/100.forwarding=1'], 'eth0.100')).toBe('forwarded');
    // From `sysctl -a` every device's value is listed (before net.ipv4.ip_forward, in its order): each stands.
    expect(fate(['net.ipv4.conf.lan0.forwarding = 0', 'net.ipv4.ip_forward = 0', 'net.ipv4.ip_forward = 1'].map((t) => t.replace(/ = /, '=')), 'lan0', true)).toMatch(/^dropped/);
    // With forwarding off on the arrival device, no ICMP error for an unreachable destination either (ip_error).
    const unreach = hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24'] }, { name: 'eth0.100', addrs: ['203.0.113.2/24'] }], routes: ['default via 203.0.113.1 dev eth0.100', 'unreachable 198.51.100.0/24'] });
    const errors = (settings: string[]): number => {
      const e = new Engine({ ruleset: loadRuleset([{ text: rules, file: 'r.rules' }]), host: applySysctls(unreach, settings.map(parseSysctlArg)).host, seed: 's' });
      return e.receive(packet({ src: '192.168.1.10', dst: '198.51.100.7', proto: 17, sport: 5000, dport: 53 }), 'lan0').emitted.length;
    };
    expect(errors([])).toBe(1);
    expect(errors(['net.ipv4.conf.lan0.forwarding=0'])).toBe(0);
  });

  it('drop_unicast_in_l2_multicast: a unicast packet in a broadcast or multicast frame is dropped after PREROUTING (IPv4: all or the device) or on receipt (IPv6: the device\'s own)', () => {
    const rules4 = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';
    const h6 = hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24', '2001:db8:1::1/64'] }, { name: 'eth0.100', addrs: ['203.0.113.2/24'] }], routes: ['default via 203.0.113.1 dev eth0.100'] });
    const fate = (settings: string[], family: 'ipv4' | 'ipv6', type: number, dst: string): string => {
      const e = new Engine({ ruleset: loadRuleset([{ text: rules4, file: 'r.rules' }], { family }), host: applySysctls(h6, settings.map(parseSysctlArg)).host, seed: 's' });
      const p = packet({ src: family === 'ipv4' ? '192.168.1.10' : '2001:db8:1::10', dst, proto: 17, sport: 5000, dport: 53 });
      p.pktType = type;
      const r = e.receive(p, 'lan0');
      return r.fate.kind === 'dropped' ? `dropped at ${r.fate.hook}` : r.fate.kind;
    };
    expect(fate([], 'ipv4', PKT_TYPE.BROADCAST, '192.168.1.1')).toBe('delivered');
    expect(fate(['net.ipv4.conf.lan0.drop_unicast_in_l2_multicast=1'], 'ipv4', PKT_TYPE.BROADCAST, '192.168.1.1')).toBe('dropped at routing');
    expect(fate(['net.ipv4.conf.all.drop_unicast_in_l2_multicast=1'], 'ipv4', PKT_TYPE.MULTICAST, '192.168.1.1')).toBe('dropped at routing');
    expect(fate(['net.ipv4.conf.all.drop_unicast_in_l2_multicast=1'], 'ipv4', PKT_TYPE.HOST, '192.168.1.1')).toBe('delivered');
    // A broadcast destination is no unicast packet.
    expect(fate(['net.ipv4.conf.all.drop_unicast_in_l2_multicast=1'], 'ipv4', PKT_TYPE.BROADCAST, '192.168.1.255')).toBe('delivered');
    expect(fate([], 'ipv6', PKT_TYPE.MULTICAST, '2001:db8:1::1')).toBe('delivered');
    expect(fate(['net.ipv6.conf.lan0.drop_unicast_in_l2_multicast=1'], 'ipv6', PKT_TYPE.MULTICAST, '2001:db8:1::1')).toBe('dropped at receive');
    expect(() => applySysctls(h6, [parseSysctlArg('net.ipv6.conf.all.drop_unicast_in_l2_multicast=1')])).toThrow(/IPv6 reads each device's own setting/);
  });

  it('IPv6: all.forwarding decides, and a device\'s force_forwarding forwards what arrives there anyway; writing all.forwarding 0 turns every force_forwarding off', () => {
    const rules = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -d 2001:db8:ffff::1/128 -j ACCEPT\nCOMMIT\n';
    const h6 = hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['2001:db8:1::1/64'] }, { name: 'wan0', addrs: ['2001:db8:2::1/64'] }], routes: ['default via 2001:db8:2::2 dev wan0', '2001:db8:1::/48 dev lan0'] });
    const fate = (settings: string[], from: 'lan0' | 'wan0'): string => {
      const e = new Engine({ ruleset: loadRuleset([{ text: rules, file: 'r.rules' }]), host: applySysctls(h6, settings.map(parseSysctlArg)).host, seed: 's' });
      const p = from === 'lan0' ? packet({ src: '2001:db8:1::10', dst: '2001:db8:9::5', proto: 17, sport: 5000, dport: 53 }) : packet({ src: '2001:db8:9::5', dst: '2001:db8:1::10', proto: 17, sport: 53, dport: 5000 });
      return e.receive(p, from).fate.kind;
    };
    expect(fate(['net.ipv6.conf.all.forwarding=0'], 'lan0')).toBe('dropped');
    expect(fate(['net.ipv6.conf.all.forwarding=0', 'net.ipv6.conf.lan0.force_forwarding=1'], 'lan0')).toBe('forwarded');
    expect(fate(['net.ipv6.conf.all.forwarding=0', 'net.ipv6.conf.lan0.force_forwarding=1'], 'wan0')).toBe('dropped');
    expect(fate(['net.ipv6.conf.lan0.force_forwarding=1', 'net.ipv6.conf.all.forwarding=0'], 'lan0')).toBe('dropped');
    expect(fate(['net.ipv6.conf.all.forwarding=0', 'net.ipv6.conf.all.force_forwarding=1'], 'wan0')).toBe('forwarded');
    // From `sysctl -a` each device's own value stands (all's comes before or after it by name).
    const file = ['net.ipv6.conf.all.forwarding=0', 'net.ipv6.conf.all.force_forwarding=0', 'net.ipv6.conf.lan0.force_forwarding=1'].map((t, k) => ({ ...parseSysctlArg(t), explicit: false, where: `node.sysctl:${k + 1}` }));
    const fromFile = applySysctls(h6, [file[2]!, file[0]!, file[1]!]).host;
    expect([fromFile.forwarding.ipv6, fromFile.interfaces.get('lan0')!.forceForwarding6]).toEqual([false, true]);
  });

  it('send_redirects counts when on for all or for the device: turning off all alone leaves the device on, as in the kernel', () => {
    const rules = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';
    const redirects = (settings: string[]): number => {
      const h = applySysctls(host, settings.map(parseSysctlArg)).host;
      const e = new Engine({ ruleset: loadRuleset([{ text: rules, file: 'r.rules' }]), host: h, seed: 's' });
      return e.receive(packet({ src: '192.168.1.10', dst: '192.168.1.20', proto: 17, sport: 5000, dport: 53 }), 'lan0').emitted.length;
    };
    expect(redirects([])).toBe(1);
    expect(redirects(['net.ipv4.conf.all.send_redirects=0'])).toBe(1);
    expect(redirects(['net.ipv4.conf.lan0.send_redirects=0'])).toBe(1);
    expect(redirects(['net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.lan0.send_redirects=0'])).toBe(0);
  });

  it('natsim packet --sysctl and --sysctl-file: the settings reach the path (rp_filter, conntrack timeouts), notes go to stderr', () => {
    const file = join(dir, 'node2.sysctl');
    writeFileSync(file, 'net.netfilter.nf_conntrack_udp_timeout = 7\nvm.swappiness = 10\n');
    const r = spawnSync(process.execPath, [bin, 'packet', '--scenario', 'home-router', '--in', 'wan0', '--src', '198.51.100.7:5555', '--dst', '192.168.1.50:53', '--proto', 'udp',
      '--sysctl-file', file, '--no-color'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/udp +17 7 src=198\.51\.100\.7/);
    expect(r.stderr).toContain('1 sysctl setting read and ignored: 1 not modelled (vm.swappiness)');
    const strict = spawnSync(process.execPath, [bin, 'packet', '--scenario', 'home-router', '--in', 'wan0', '--src', '192.168.1.77:5555', '--dst', '198.51.100.9:53', '--proto', 'udp',
      '--sysctl', 'net.ipv4.conf.all.rp_filter=1', '--no-color'], { encoding: 'utf8' });
    expect(strict.status).toBe(0);
    expect(strict.stdout).toContain('the route back to it leaves by lan0, not wan0 (rp_filter 1, strict)');
    const bad = spawnSync(process.execPath, [bin, 'packet', '--scenario', 'home-router', '--in', 'wan0', '--src', '1.2.3.4:5', '--dst', '5.6.7.8:9', '--sysctl', 'net.core.somaxconn=5', '--no-color'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('not a setting natsim models');
    expect(bad.stderr).not.toContain('    at ');
  });
});
