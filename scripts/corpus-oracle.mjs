#!/usr/bin/env node
// Runs corpus files (test/corpus/*.t) through the real kernel: for each line and chain,
// iptables-restore the rule in a throwaway network namespace, iptables-save it, and compare
// with the line's expectation. Needs root, ip netns and iptables (legacy back end by default).
// A line `%COMMAND` runs the shell command inside the namespace before the lines that follow
// (e.g. `%ipset create natsim-a hash:ip` for -m set); natsim's own corpus test ignores it.
// Usage: node scripts/corpus-oracle.mjs [--nft] FILE.t ...
import { readFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const nft = args.includes('--nft');
const files = args.filter((a) => !a.startsWith('--'));
const ns = `natsim-co-${process.pid}`;
const bin = (fam, what) => `${fam === 'ipv6' ? 'ip6tables' : 'iptables'}-${nft ? 'nft' : 'legacy'}-${what}`;

function sh(cmd, argv, input) {
  return spawnSync(cmd, argv, { input, encoding: 'utf8' });
}

execFileSync('ip', ['netns', 'add', ns]);
let bad = 0, total = 0;
try {
  for (const file of files) {
    let family = 'ipv4', table = 'filter', chains = [];
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, idx) => {
      if (line === '' || line.startsWith('#')) return;
      if (line.startsWith('%')) {
        const r = sh('ip', ['netns', 'exec', ns, 'sh', '-c', line.slice(1)]);
        if (r.status !== 0) {
          bad++;
          console.log(`${file}:${idx + 1}: set-up command failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
        }
        return;
      }
      if (line === '@ipv4' || line === '@ipv6') { family = line.slice(1); return; }
      if (line.startsWith('*')) { table = line.slice(1); return; }
      if (line.startsWith(':')) { chains = line.slice(1).split(','); return; }
      const parts = line.split(';');
      const verdict = parts.pop();
      const expected = parts.pop();
      const rule = parts.join(';');
      for (const chain of chains) {
        total++;
        const builtin = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'].includes(chain);
        const input = `*${table}\n:NATSIM-T - [0:0]\n${builtin ? '' : `:${chain} - [0:0]\n`}-A ${chain} ${rule}\nCOMMIT\n`;
        const r = sh('ip', ['netns', 'exec', ns, bin(family, 'restore')], input);
        const ok = r.status === 0;
        let got = null;
        if (ok) {
          const s = sh('ip', ['netns', 'exec', ns, bin(family, 'save'), '-t', table]);
          got = s.stdout.split('\n').filter((l) => l.startsWith(`-A ${chain} `) || l === `-A ${chain}`).join('\n');
        }
        const want = verdict === 'OK' ? `-A ${chain}${expected === '=' ? (rule ? ' ' + rule : '') : (expected ? ' ' + expected : '')}` : null;
        if (verdict === 'OK' && (!ok || got !== want)) {
          bad++;
          console.log(`${file}:${idx + 1}: [${chain}] kernel ${ok ? 'saved' : 'REJECTED'}: ${ok ? got : (r.stderr || r.stdout).trim().split('\n')[0]}\n    expected: ${want}`);
        } else if (verdict === 'FAIL' && ok) {
          bad++;
          console.log(`${file}:${idx + 1}: [${chain}] kernel ACCEPTED a FAIL line, saved: ${got}`);
        }
      }
    });
  }
} finally {
  execFileSync('ip', ['netns', 'del', ns]);
}
console.log(`${total - bad} agree, ${bad} differ`);
process.exitCode = bad ? 1 : 0;
