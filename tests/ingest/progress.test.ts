import { describe, expect, it } from 'vitest';
import {
  createProgressReporter,
  estimateRemainingMs,
  formatBytes,
  formatCount,
  formatDuration,
  formatProgressBar,
  formatProgressLine,
  progressFraction,
  recordsPerSecond,
  PLAIN_INTERVAL_MS,
  TTY_INTERVAL_MS,
} from '../../src/ingest/progress.js';
import type { IngestProgress } from '../../src/ingest/ingest.js';

function progress(over: Partial<IngestProgress> = {}): IngestProgress {
  return {
    phase: 'ingesting',
    objectsTotal: 40,
    objectsDone: 10,
    objectsUnchanged: 0,
    records: 1_000_000,
    badRecords: 0,
    bytesRead: 0,
    bytesTotal: null,
    elapsedMs: 10_000,
    ...over,
  };
}

/** A stream that records writes, and a clock the test moves by hand. */
function harness(columns?: number) {
  const writes: string[] = [];
  let t = 1_000_000;
  const stream = { columns, write: (s: string) => writes.push(s) };
  return { writes, stream, now: () => t, advance: (ms: number) => (t += ms) };
}

describe('formatCount / formatBytes / formatDuration', () => {
  it.each([
    [0, '0'],
    [7, '7'],
    [999, '999'],
    [1000, '1.0k'],
    [1234, '1.2k'],
    [9_960, '10k'],
    [12_345, '12k'],
    [999_499, '999k'],
    [999_950, '1.0M'],
    [1_234_567, '1.2M'],
    [340_000_000, '340M'],
    [5_000_000_000, '5.0G'],
    [7.2e15, '7.2P'],
    [3e18, '3000P'],
    [-1500, '-1.5k'],
    [Number.NaN, '?'],
  ])('formatCount(%d) = %s', (n, text) => {
    expect(formatCount(n)).toBe(text);
  });

  it('formats bytes with binary units and a space', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(230 * 1024 ** 2)).toBe('230 MiB');
    expect(formatBytes(1024 ** 4)).toBe('1.0 TiB');
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('?');
  });

  it.each([
    [0, '0s'],
    [42_400, '42s'],
    [59_600, '1m00s'],
    [185_000, '3m05s'],
    [3_720_000, '1h02m'],
    [2 * 86_400_000 + 3 * 3_600_000, '2d03h'],
    [-5, '?'],
    [Number.NaN, '?'],
  ])('formatDuration(%d) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('progress arithmetic', () => {
  it('rate is records per second, unknown before any time has passed', () => {
    expect(recordsPerSecond(progress({ records: 5000, elapsedMs: 2000 }))).toBe(2500);
    expect(recordsPerSecond(progress({ elapsedMs: 0 }))).toBeNull();
  });

  it('measures progress by bytes when their total is known, else by objects', () => {
    expect(progressFraction(progress({ bytesRead: 250, bytesTotal: 1000, objectsDone: 39 }))).toBe(0.25);
    expect(progressFraction(progress({ bytesRead: 1200, bytesTotal: 1000 }))).toBe(1); // an object grew while read
    expect(progressFraction(progress({ bytesTotal: 0 }))).toBe(0.25); // sizes unknown (0): objects
    expect(progressFraction(progress({ bytesTotal: null }))).toBe(0.25);
    expect(progressFraction(progress({ phase: 'listing' }))).toBeNull();
    expect(progressFraction(progress({ phase: 'done', objectsDone: 3 }))).toBe(1);
    expect(progressFraction(progress({ objectsTotal: 0, objectsDone: 0 }))).toBe(0);
    expect(progressFraction(progress({ phase: 'rollups', objectsTotal: 0, objectsDone: 0 }))).toBe(1);
  });

  it('extrapolates the time left while ingesting, and says unknown when it cannot', () => {
    expect(estimateRemainingMs(progress({ objectsDone: 10, objectsTotal: 40, elapsedMs: 10_000 }))).toBe(30_000);
    // by bytes: a quarter of the bytes in 20 s leaves 60 s, whatever the object count says
    expect(estimateRemainingMs(progress({ bytesRead: 25, bytesTotal: 100, objectsDone: 1, elapsedMs: 20_000 }))).toBe(60_000);
    expect(estimateRemainingMs(progress({ objectsDone: 0 }))).toBeNull();
    expect(estimateRemainingMs(progress({ elapsedMs: 0 }))).toBeNull();
    expect(estimateRemainingMs(progress({ phase: 'compacting' }))).toBeNull();
    expect(estimateRemainingMs(progress({ phase: 'listing' }))).toBeNull();
  });
});

describe('formatProgressBar', () => {
  it('shows phase, bar, percent, objects, records, rate, ETA, unchanged and bad rows on a wide line', () => {
    const line = formatProgressBar(progress({ objectsUnchanged: 120, badRecords: 3, records: 2_500_000 }), 160);
    expect(line).toMatch(/^ingesting \[#{10}-{30}\] {2}25% 10\/40 objects · 2\.5M records · 250k rec\/s · ETA 30s · \+120 unchanged · 3 bad$/);
    expect(line.length).toBeLessThanOrEqual(160);
  });

  it('fills the bar with the fraction and caps it at 40 characters', () => {
    const line = formatProgressBar(progress({ objectsDone: 30 }), 200);
    expect(line).toContain(`[${'#'.repeat(30)}${'-'.repeat(10)}]  75%`);
  });

  it('says ETA ? when it cannot tell, and leaves the rate out before any time has passed', () => {
    const line = formatProgressBar(progress({ objectsDone: 0, records: 0, elapsedMs: 0 }), 120);
    expect(line).toContain('ETA ?');
    expect(line).not.toContain('rec/s');
    expect(line).toContain('   0%');
  });

  it('while listing: no bar and no percent, the unchanged count so far', () => {
    expect(formatProgressBar(progress({ phase: 'listing', objectsTotal: 0, objectsDone: 0, records: 0 }), 100)).toBe('listing finding objects · 0 records');
    expect(formatProgressBar(progress({ phase: 'listing', objectsUnchanged: 2_000_000, records: 0 }), 100)).toBe('listing 2.0M unchanged so far · 0 records');
  });

  it('after ingesting: the phase with a full or partial bar and no ETA', () => {
    const line = formatProgressBar(progress({ phase: 'compacting', objectsDone: 40 }), 120);
    expect(line).toMatch(/^compacting \[#+\] 100% 40\/40 objects · 1\.0M records · 100k rec\/s$/);
    expect(formatProgressBar(progress({ phase: 'done', objectsDone: 40 }), 120)).toMatch(/^done \[#+\] 100% /);
    expect(formatProgressBar(progress({ phase: 'rollups', objectsTotal: 0, objectsDone: 0, objectsUnchanged: 7 }), 120)).toContain('+7 unchanged');
  });

  it('on narrow lines drops the extras first, then the bar, then pieces from the end, then cuts', () => {
    const p = progress({ objectsUnchanged: 5, badRecords: 2 });
    const core = '10/40 objects · 1.0M records · 100k rec/s · ETA 30s';
    const widths = [120, 100, 86, 70, 60, 40, 20, 10, 3, 0, -4];
    const lines = new Map(widths.map((w) => [w, formatProgressBar(p, w)]));
    for (const [w, l] of lines) expect(l.length, `width ${w}: ${l}`).toBeLessThanOrEqual(Math.max(0, w));
    expect(lines.get(120)).toMatch(/^ingesting \[#+-+\] {2}25% 10\/40 objects · 1\.0M records · 100k rec\/s · ETA 30s · \+5 unchanged · 2 bad$/);
    expect(lines.get(100)).toMatch(new RegExp(`^ingesting \\[#+-+\\]  25% ${core} · \\+5 unchanged$`));
    expect(lines.get(86)).toMatch(new RegExp(`^ingesting \\[#{4}-{13}\\]  25% ${core}$`));
    expect(lines.get(70)).toBe(`ingesting  25% ${core}`);
    expect(lines.get(60)).toBe('ingesting  25% 10/40 objects · 1.0M records · 100k rec/s');
    expect(lines.get(40)).toBe('ingesting  25% 10/40 objects');
    expect(lines.get(20)).toBe('ingesting  25% 10/40');
    expect(lines.get(10)).toBe('ingesting');
    expect(lines.get(3)).toBe('ing');
    expect(lines.get(0)).toBe('');
    expect(lines.get(-4)).toBe('');
  });

  it('while listing keeps its extras as long as they fit (there is no bar)', () => {
    const p = progress({ phase: 'listing', objectsUnchanged: 0, records: 0, badRecords: 3 });
    expect(formatProgressBar(p, 80)).toBe('listing finding objects · 0 records · 3 bad');
    expect(formatProgressBar(p, 40)).toBe('listing finding objects · 0 records');
  });

  it('keeps huge numbers short', () => {
    const line = formatProgressBar(progress({ objectsTotal: 3_000_000, objectsDone: 1_500_000, records: 12_345_678_901, elapsedMs: 3_600_000, badRecords: 45_000 }), 200);
    expect(line).toContain('1.5M/3.0M objects · 12G records · 3.4M rec/s · ETA 1h00m · 45k bad');
  });
});

describe('formatProgressLine', () => {
  it('is a timestamp-free line with everything the bar has, bytes and the elapsed time', () => {
    const line = formatProgressLine(progress({ bytesRead: 50 * 1024 ** 2, bytesTotal: 200 * 1024 ** 2, objectsUnchanged: 3, badRecords: 1 }));
    expect(line).toBe(
      'networkflow ingest: ingesting 25%: 10/40 objects, 1.0M records, 100k rec/s, ETA 30s, +3 unchanged, 1 bad, 50 MiB of 200 MiB read, elapsed 10s',
    );
    expect(line).not.toMatch(/\d{4}-\d\d-\d\d/);
  });

  it('leaves out what is not known', () => {
    expect(formatProgressLine(progress({ phase: 'listing', records: 0, elapsedMs: 1500 }))).toBe('networkflow ingest: listing: finding objects, 0 records, elapsed 2s');
    expect(formatProgressLine(progress({ bytesRead: 4096 }))).toContain(', 4.0 KiB read,');
    expect(formatProgressLine(progress({ phase: 'done', objectsDone: 40 }))).toBe('networkflow ingest: done 100%: 40/40 objects, 1.0M records, 100k rec/s, elapsed 10s');
  });
});

describe('createProgressReporter', () => {
  it('on a terminal redraws one line in place, throttled, at the terminal width, and clears it at the end', () => {
    const h = harness(50);
    const r = createProgressReporter({ stream: h.stream, isTTY: true, now: h.now });
    r.update(progress({ phase: 'listing' }));
    r.update(progress()); // new phase: drawn at once
    r.update(progress({ objectsDone: 11 })); // same instant, same phase: skipped
    h.advance(TTY_INTERVAL_MS - 1);
    r.update(progress({ objectsDone: 12 }));
    h.advance(1);
    r.update(progress({ objectsDone: 13 }));
    expect(h.writes).toHaveLength(3);
    for (const w of h.writes) {
      expect(w.startsWith('\r\x1b[K')).toBe(true);
      expect(w).not.toContain('\n');
      expect(w.length - 4).toBeLessThanOrEqual(49);
    }
    expect(h.writes[0]).toContain('listing');
    expect(h.writes[2]).toContain('13/40');
    r.done(progress({ phase: 'done' }));
    expect(h.writes.at(-1)).toBe('\r\x1b[K');
    r.update(progress());
    r.done(progress());
    expect(h.writes).toHaveLength(4);
  });

  it('on a terminal without a known width uses 80 columns, and writes nothing at the end if nothing was drawn', () => {
    const h = harness();
    const r = createProgressReporter({ stream: h.stream, isTTY: true, now: h.now });
    r.update(progress({ objectsUnchanged: 1, badRecords: 1, records: 123_456_789 }));
    expect(h.writes[0].length - 4).toBeLessThanOrEqual(79);
    expect(h.writes[0].length - 4).toBeGreaterThan(60);
    const quiet = harness(80);
    createProgressReporter({ stream: quiet.stream, isTTY: true, now: quiet.now }).done(progress({ phase: 'done' }));
    expect(quiet.writes).toEqual([]);
  });

  it('elsewhere prints a plain line at most every 5 s, none for a short run, and always a last line', () => {
    const h = harness();
    const r = createProgressReporter({ stream: h.stream, isTTY: false, now: h.now });
    r.update(progress({ phase: 'listing' }));
    r.update(progress());
    h.advance(PLAIN_INTERVAL_MS - 1);
    r.update(progress({ phase: 'compacting' })); // a phase change does not force a plain line
    expect(h.writes).toEqual([]);
    h.advance(1);
    r.update(progress({ objectsDone: 20 }));
    h.advance(1000);
    r.update(progress({ objectsDone: 21 }));
    h.advance(PLAIN_INTERVAL_MS);
    r.update(progress({ objectsDone: 22 }));
    expect(h.writes).toEqual([formatProgressLine(progress({ objectsDone: 20 })) + '\n', formatProgressLine(progress({ objectsDone: 22 })) + '\n']);
    r.done(progress({ phase: 'done', objectsDone: 40 }));
    r.done(progress({ phase: 'done', objectsDone: 40 }));
    expect(h.writes).toHaveLength(3);
    expect(h.writes[2]).toMatch(/^networkflow ingest: done 100%: 40\/40 objects/);
  });

  it('ends without a last line when given no progress (a failed run), on either kind of stream', () => {
    const plain = harness();
    createProgressReporter({ stream: plain.stream, isTTY: false, now: plain.now }).done();
    expect(plain.writes).toEqual([]);
    const tty = harness(80);
    const r = createProgressReporter({ stream: tty.stream, isTTY: true, now: tty.now });
    r.update(progress());
    r.done();
    expect(tty.writes.at(-1)).toBe('\r\x1b[K');
  });

  it('takes its own interval and defaults to the wall clock', async () => {
    const writes: string[] = [];
    const r = createProgressReporter({ stream: { write: (s: string) => writes.push(s) }, isTTY: false, intervalMs: 20 });
    r.update(progress());
    await new Promise((resolve) => setTimeout(resolve, 40));
    r.update(progress());
    expect(writes).toHaveLength(1);
  });
});
