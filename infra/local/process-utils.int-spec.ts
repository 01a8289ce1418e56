import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { until } from '../../test/support/eventually';
import { isAlive, portAnswers, supervise } from './process-utils';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('supervise (real processes)', () => {
  it('restarts a process that keeps exiting, with growing pauses and one log line per restart', async () => {
    const lines: string[] = [];
    const starts: number[] = [];
    const supervisor = supervise({
      name: 'flaky',
      log: (line) => lines.push(line),
      initialDelayMs: 100,
      maxDelayMs: 400,
      spawn: () => {
        starts.push(Date.now());
        return spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' });
      },
    });
    await until('four restarts', () => supervisor.restarts >= 4, 20_000, 10);
    await supervisor.stop('SIGTERM', 1000);
    const started = starts.length;

    expect(lines.slice(0, 4)).toEqual([
      expect.stringMatching(
        /^flaky exited \(code 3\) after \d+\.\d s; restarting it in 0\.1 s \(restart 1\)$/,
      ),
      expect.stringMatching(/restarting it in 0\.2 s \(restart 2\)$/),
      expect.stringMatching(/restarting it in 0\.4 s \(restart 3\)$/),
      expect.stringMatching(/restarting it in 0\.4 s \(restart 4\)$/),
    ]);
    const gaps = starts.slice(1).map((at, i) => at - (starts[i] ?? at));
    expect(gaps[0]).toBeGreaterThanOrEqual(100);
    expect(gaps[1]).toBeGreaterThanOrEqual(200);
    expect(gaps[2]).toBeGreaterThanOrEqual(400);
    // Stopped: the pending restart never comes (longer than the longest pause).
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(starts).toHaveLength(started);
  });

  it('brings back a killed server, and stop ends it and frees its port', async () => {
    const port = await freePort();
    const server = `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
    const lines: string[] = [];
    const supervisor = supervise({
      name: 'server',
      log: (line) => lines.push(line),
      initialDelayMs: 50,
      spawn: () => spawn(process.execPath, ['-e', server], { stdio: 'ignore' }),
    });
    await until('the server to answer', () => portAnswers(port), 20_000);
    const first = supervisor.current?.pid;
    if (first === undefined) throw new Error('no process');
    process.kill(first, 'SIGKILL');
    await until(
      'a new server to answer',
      async () => supervisor.current?.pid !== first && (await portAnswers(port)),
      20_000,
    );
    expect(lines).toEqual([
      expect.stringMatching(/^server exited \(SIGKILL\) after .*\(restart 1\)$/),
    ]);

    const second = supervisor.current?.pid;
    await supervisor.stop('SIGTERM', 5000);
    expect(second !== undefined && isAlive(second)).toBe(false);
    // The listening socket goes with the process, but the kernel may answer a connect a moment
    // longer: wait for the port to be free, and fail if it is not within a few seconds.
    await until('the port to be free', async () => !(await portAnswers(port)), 5_000);
    expect(lines).toHaveLength(1);
  });
});
