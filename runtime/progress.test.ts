import { describe, expect, it } from 'vitest';
import { Progress } from './progress.js';

function tty(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  return { stream: { isTTY: true, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream, lines };
}

describe('progress on a terminal', () => {
  it('draws a bar with the share read, the rate and the time left at that pace; nothing off a terminal', () => {
    const saved = process.env.CI;
    delete process.env.CI;
    try {
      let t = 0;
      const { stream, lines } = tty();
      const progress = new Progress(stream, () => t);
      t = 10_000;
      progress.update('ingesting big.csv', 2_500_000, 0.25);
      expect(lines.at(-1)).toBe(`\r\x1b[Kingesting big.csv [██████${'░'.repeat(18)}] 25.0% · ~30 s left · 2,500,000 events · 250,000/s`);
      t = 10_100; // within 250 ms of the last line: not drawn again
      progress.update('ingesting big.csv', 2_600_000, 0.26);
      expect(lines).toHaveLength(1);
      t = 20_000;
      progress.update('replaying log', 5_000); // size unknown: no bar
      expect(lines.at(-1)).toBe('\r\x1b[Kreplaying log · 5,000 events · 250/s');
      progress.done();
      expect(lines.at(-1)).toBe('\r\x1b[K');

      const off = { isTTY: false, write: () => expect.fail('wrote off a terminal') } as unknown as NodeJS.WriteStream;
      new Progress(off).update('x', 1, 0.5);
    } finally {
      if (saved !== undefined) process.env.CI = saved;
    }
  });
});
