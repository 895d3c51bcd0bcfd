/**
 * A progress line for long runs on a terminal (`natsim replay` on stderr): a bar with the share
 * of the input read when its size is known (a file), the packets so far and the rate; redrawn
 * in place at most every 100 ms, cleared at the end.
 */

/** The text of one progress line (no carriage return): `[██████░░░░] 42%  420,000 packets  131 k/s`. */
export function renderProgress(packets: number, bytesRead: number, totalBytes: number | null, elapsedMs: number, width = 24): string {
  const rate = elapsedMs > 0 ? packets / (elapsedMs / 1000) : 0;
  const rateText = rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M/s` : `${Math.round(rate / 1e3)} k/s`;
  const count = `${packets.toLocaleString('en-US')} packets  ${rateText}`;
  if (totalBytes === null || totalBytes <= 0) return count;
  const share = Math.min(1, Math.max(0, bytesRead / totalBytes));
  const full = Math.round(share * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${(share * 100).toFixed(0).padStart(3)}%  ${count}`;
}

/** Draws `renderProgress` lines on a terminal stream, throttled. */
export class ProgressLine {
  private readonly t0: number;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(private readonly write: (s: string) => void, private readonly totalBytes: number | null, private readonly now: () => number = () => performance.now()) {
    this.t0 = now();
  }

  /** Redraws when 100 ms have passed since the last drawing. */
  update(packets: number, bytesRead: number): void {
    const t = this.now();
    if (t - this.lastDraw < 100) return;
    this.lastDraw = t;
    this.drawn = true;
    this.write(`\r${renderProgress(packets, bytesRead, this.totalBytes, t - this.t0)}\x1b[K`);
  }

  /** Clears the line (if anything was drawn). */
  done(): void {
    if (this.drawn) this.write('\r\x1b[K');
  }
}
