// Runs a command as a child process and measures its wall time and peak RSS.
// With GNU time (/usr/bin/time -v) the peak is the kernel's ru_maxrss of the child (worker threads
// share their process, so they are included); without it, /proc/<pid>/status VmHWM is polled.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const GNU_TIME = '/usr/bin/time';
const POLL_MS = 50;
/** Keep only the tail of a child's stderr (progress lines can run long). */
const STDERR_TAIL = 64 * 1024;

let gnuTimeChecked;
/** True when /usr/bin/time is GNU time (the only one with `-v` and `-o`). */
export function hasGnuTime() {
  if (gnuTimeChecked === undefined) {
    gnuTimeChecked = existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-v', 'true'], { encoding: 'utf8' }).stderr?.includes('Maximum resident set size') === true;
  }
  return gnuTimeChecked;
}

/**
 * Runs `command args` and resolves to { code, stdout, stderr, seconds, peakRssBytes, peakRssMethod }.
 * stdout is collected whole (the commands measured here print one summary); stderr keeps its tail.
 */
export async function measureChild(command, args, { cwd, env } = {}) {
  const timeDir = hasGnuTime() ? mkdtempSync(path.join(os.tmpdir(), 'nf-bench-time-')) : undefined;
  const timeFile = timeDir && path.join(timeDir, 'time.txt');
  const [cmd, argv] = timeFile ? [GNU_TIME, ['-v', '-o', timeFile, command, ...args]] : [command, args];
  try {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, argv, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s) => {
      stderr += s;
      if (stderr.length > 2 * STDERR_TAIL) stderr = stderr.slice(-STDERR_TAIL);
    });
    let polledPeak = 0;
    const poller = timeFile ? undefined : setInterval(() => (polledPeak = Math.max(polledPeak, vmHwmBytes(child.pid))), POLL_MS);
    const code = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (status, signal) => resolve(status ?? `signal ${signal}`));
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (poller) clearInterval(poller);
    const peakRssBytes = timeFile ? gnuTimePeakBytes(timeFile) : polledPeak;
    return { code, stdout, stderr: stderr.slice(-STDERR_TAIL), seconds, peakRssBytes, peakRssMethod: timeFile ? 'ru_maxrss' : 'VmHWM poll' };
  } finally {
    if (timeDir) rmSync(timeDir, { recursive: true, force: true });
  }
}

function gnuTimePeakBytes(file) {
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(file, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** The process's high-water RSS from /proc (0 once it has exited, or off Linux). */
function vmHwmBytes(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The last `n` non-empty lines of a text, joined for a one-line error message. */
export function tail(text, n = 3) {
  return text.trim().split('\n').filter(Boolean).slice(-n).join(' | ');
}
