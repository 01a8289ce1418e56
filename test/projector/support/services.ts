import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { eventually } from '../../support/eventually';

const ROOT = join(__dirname, '..', '..', '..');

export interface RunningService {
  readonly name: string;
  readonly url: string;
  /** `127.0.0.1:<GRPC_PORT>`: where its gRPC edge listens (ingestion and query). */
  readonly grpcAddress: string;
  readonly child: ChildProcess;
  /** Everything the process wrote, for failure messages. */
  readonly output: () => string;
  /** What it wrote on stdout alone: its log lines. */
  readonly stdout: () => string;
}

export function distMain(app: string): string {
  const file = join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
  return file;
}

/** Ports this process handed out: the OS may give a port just closed to the next probe again. */
const handedOut = new Set<number>();

function probePort(): Promise<number> {
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

/** A free port not handed out before in this process (a service's HTTP and gRPC ports differ). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Spawns `node dist/apps/<app>/src/main.js` with env and waits for /health/ready to answer 200. */
export async function startService(
  app: string,
  env: Record<string, string>,
  name = app,
): Promise<RunningService> {
  const port = await freePort();
  // A port of its own, so that services of parallel suites never fight over 50051/50052.
  const grpcPort = env.GRPC_PORT ?? String(await freePort());
  let output = '';
  const child = spawn(process.execPath, [distMain(app)], {
    cwd: ROOT,
    // Pipeline tests run without access control (its own e2e test covers it) unless env says so.
    // Ingestion leaves the shared broker's inbound topic alone unless env turns it on.
    env: {
      ...process.env,
      CX_AUTH: 'off',
      ...(app === 'ingestion' ? { CX_INBOUND: 'off' } : {}),
      ...env,
      PORT: String(port),
      GRPC_PORT: grpcPort,
      KAFKA_LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    stdout += text;
  });
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  const exit = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => {
      exited = true;
      reject(new Error(`${name} exited (${code ?? signal ?? '?'})`));
    }),
  );
  exit.catch(() => undefined);
  try {
    await Promise.race([
      exit,
      eventually(
        `${name} to be ready`,
        async () => {
          if (exited) return false;
          const response = await fetch(`${url}/health/ready`);
          return response.status === 200 ? true : undefined;
        },
        90_000,
        200,
      ),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${String(error)}\n${output}`);
  }
  return {
    name,
    url,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    child,
    output: () => output,
    stdout: () => stdout,
  };
}

export async function stopService(
  service: RunningService,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => service.child.once('exit', () => resolve()));
  service.child.kill(signal);
  await exited;
}
