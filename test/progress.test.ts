/** The progress line `natsim replay` draws on a terminal. */
import { describe, expect, it } from 'vitest';
import { ProgressLine, renderProgress } from '../sim/progress.js';

describe('progress line', () => {
  it('shows a bar and the share read when the input size is known', () => {
    expect(renderProgress(420_000, 42, 100, 3_000, 10)).toBe('[████░░░░░░]  42%  420,000 packets  140 k/s');
    expect(renderProgress(2_000_000, 100, 100, 1_000, 4)).toBe('[████] 100%  2,000,000 packets  2.00 M/s');
  });

  it('shows the count and rate alone for standard input', () => {
    expect(renderProgress(5_000, 0, null, 1_000)).toBe('5,000 packets  5 k/s');
  });

  it('redraws at most every 100 ms, in place, and clears itself', () => {
    const out: string[] = [];
    let t = 0;
    const p = new ProgressLine((s) => out.push(s), 1000, () => t);
    p.update(1, 10);
    t = 50; p.update(2, 20);    // too soon: not drawn
    t = 150; p.update(3, 500);
    p.done();
    expect(out).toEqual([
      `\r${renderProgress(1, 10, 1000, 0)}\x1b[K`,
      `\r${renderProgress(3, 500, 1000, 150)}\x1b[K`,
      '\r\x1b[K',
    ]);
    const quiet: string[] = [];
    new ProgressLine((s) => quiet.push(s), null).done();
    expect(quiet).toEqual([]);
  });
});
