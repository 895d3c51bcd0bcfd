/**
 * Known-answer replays of the committed captures (test/fixtures/capture, made by
 * scripts/make-replay-fixtures.mjs): DNS to the kube-dns cluster IP on the seed node, and the home
 * router's masquerade and port forward, each reply un-NATed as the kernel would.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'bin', 'natsim.js');
const fx = (f: string): string => join(import.meta.dirname, 'fixtures', 'capture', f);
const replay = (args: string[]) => spawnSync(process.execPath, [bin, 'replay', ...args, '--no-color'], { encoding: 'utf8' });
const lines = (s: string): string[] => s.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));

describe('dns-seed.pcap on the seed node', () => {
  it('queries go to the four coredns pods masqueraded to 10.244.0.1; answers return from 10.96.0.10:53', () => {
    const r = replay([fx('dns-seed.pcap'), '--scenario', 'kube-seed']);
    expect(r.status).toBe(0);
    const l = lines(r.stdout);
    expect(l).toHaveLength(12);
    l.forEach((line, i) => {
      const port = 50000 + Math.floor(i / 2);
      if (i % 2 === 0) expect(line).toMatch(new RegExp(`^\\S+ udp 172\\.18\\.0\\.100:${port} → 10\\.96\\.0\\.10:53 ⇒ udp 10\\.244\\.0\\.1:\\d+ → 10\\.244\\.0\\.(10|5|6|9):53 forwarded cni0 \\[NEW,SNAT,DNAT\\] -A KUBE-SEP-`));
      else expect(line).toMatch(new RegExp(`⇒ udp 10\\.96\\.0\\.10:53 → 172\\.18\\.0\\.100:${port} forwarded eth0 \\[ESTABLISHED,SNAT,DNAT\\]`));
    });
    expect(r.stdout).toMatch(/forwarded\s+12 packets\s+\d+ bytes/);
    expect(r.stdout).toMatch(/6 replies captured on the client's side were replayed/);
  });
});

describe('home-router.pcapng on the home router', () => {
  const r = replay([fx('home-router.pcapng'), '--scenario', 'home-router', '--iface-map', 'lan0=lan0', '--iface-map', 'wan0=wan0']);
  const l = lines(r.stdout);

  it('LAN → WAN: masqueraded to 198.51.100.2 with the port kept; the SYN/ACK comes back to the laptop', () => {
    expect(r.status).toBe(0);
    expect(l[0]).toMatch(/tcp 192\.168\.1\.10:41000 → 203\.0\.113\.5:443 ⇒ tcp 198\.51\.100\.2:41000 → 203\.0\.113\.5:443 forwarded wan0 \[NEW,SNAT\] -A POSTROUTING -o wan0 -j MASQUERADE/);
    expect(l[1]).toMatch(/tcp 203\.0\.113\.5:443 → 198\.51\.100\.2:41000 ⇒ tcp 203\.0\.113\.5:443 → 192\.168\.1\.10:41000 forwarded lan0 \[ESTABLISHED,SNAT\]/);
    expect(l[2]).toMatch(/forwarded wan0 \[ESTABLISHED,SNAT\]$/);
  });

  it('WAN → the port forward: DNAT to 192.168.1.10:8080, the reply leaves as 198.51.100.2:80', () => {
    expect(l[3]).toMatch(/tcp 203\.0\.113\.9:55555 → 198\.51\.100\.2:80 ⇒ tcp 203\.0\.113\.9:55555 → 192\.168\.1\.10:8080 forwarded lan0 \[NEW,DNAT\] -A PREROUTING -i wan0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 192\.168\.1\.10:8080/);
    expect(l[4]).toMatch(/tcp 192\.168\.1\.10:8080 → 203\.0\.113\.9:55555 ⇒ tcp 198\.51\.100\.2:80 → 203\.0\.113\.9:55555 forwarded wan0 \[ESTABLISHED,DNAT\]/);
  });

  it('a connection to the router itself is delivered (INPUT policy ACCEPT)', () => {
    expect(l[6]).toMatch(/tcp 203\.0\.113\.9:55556 → 198\.51\.100\.2:22 delivered \[NEW\]$/);
  });

  it('the port forward\'s expected split is computed for its connection as it arrived (on wan0, from its client): all to 192.168.1.10:8080', () => {
    expect(r.stdout).toContain('connections to 198.51.100.2:80 per endpoint (expected as for the first, arriving on wan0 from 203.0.113.9)');
    expect(r.stdout).toMatch(/192\.168\.1\.10:8080 +1 +100\.00% +100\.00% +1 /);
  });
});
