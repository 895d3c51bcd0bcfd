#!/usr/bin/env node
// Reaper of the kernel packet suite: a detached helper that outlives the test process. Its stdin
// is a pipe from that process; when the pipe closes (normal exit, crash, SIGKILL of a vitest
// worker), it ends the processes left inside this run's namespaces (names starting with PREFIX,
// `natsim-p-<pid>-`), deletes those namespaces and this run's scratch folders, and exits. It
// touches nothing else. Usage: node reaper.mjs natsim-p-<pid>-   (stdin: the pipe)
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const prefix = process.argv[2] ?? '';
if (!/^natsim-p-\d+-$/.test(prefix)) { console.error(`reaper: bad prefix ${JSON.stringify(prefix)}`); process.exit(2); }
// Signals meant for the test run (Ctrl-C) must not stop the reaper before it has cleaned up.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => {});

let done = false;
function reap() {
  if (done) return;
  done = true;
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  const mine = out.split('\n').map((l) => l.split(' ')[0]).filter((n) => n && n.startsWith(prefix));
  for (const ns of mine) {
    const pids = (spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '').split(/\s+/).filter(Boolean).map(Number);
    for (const pid of pids) if (Number.isInteger(pid) && pid > 1 && pid !== process.pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    spawnSync('ip', ['netns', 'del', ns]);
  }
  for (const d of readdirSync(tmpdir())) if (d.startsWith(prefix)) rmSync(join(tmpdir(), d), { recursive: true, force: true });
  process.exit(0);
}
process.stdin.on('end', reap);
process.stdin.on('close', reap);
process.stdin.on('error', reap);
process.stdin.resume();
