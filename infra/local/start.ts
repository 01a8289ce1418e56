// The terminal front end of `npm start`: console output is its job.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createKafka, ensureTopics } from '@cx/messaging';
import { TOPIC_SPECS } from '@cx/contracts';
import { ApiKeyStore } from '@cx/event-store';
import { SCOPES } from '@cx/platform';
import { migrateDatabase } from '@cx/read-models';
import { Pool } from 'pg';
import { startKafka, type KafkaBroker } from './kafka-broker';
import { startPostgres, type PostgresServer } from './postgres';
import { readableLogLine } from './readable-log-line';
import { repoRoot } from './repo-root';
import { supervise, waitUntil, type Supervisor } from './process-utils';

interface ServiceSpec {
  readonly name: 'ingestion' | 'projector' | 'query';
  readonly port: number;
  /** Its gRPC port (the service's own default, passed explicitly so it can be printed). */
  readonly grpcPort?: number;
}

const SERVICES: readonly ServiceSpec[] = [
  {
    name: 'ingestion',
    port: Number(process.env.CX_INGESTION_PORT ?? 3000),
    grpcPort: Number(process.env.CX_INGESTION_GRPC_PORT ?? 50051),
  },
  {
    name: 'query',
    port: Number(process.env.CX_QUERY_PORT ?? 3001),
    grpcPort: Number(process.env.CX_QUERY_GRPC_PORT ?? 50052),
  },
  { name: 'projector', port: Number(process.env.CX_PROJECTOR_PORT ?? 3002) },
];

const say = (line: string): void => console.log(`[cx] ${line}`);

function forwardLines(stream: NodeJS.ReadableStream | null, prefix: string, err: boolean): void {
  if (!stream) {
    return;
  }
  const show = process.env.CX_LOG_FORMAT === 'json' ? (line: string) => line : readableLogLine;
  createInterface({ input: stream }).on('line', (line) => {
    (err ? console.error : console.log)(`${prefix} ${show(line)}`);
  });
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(url, { timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => {
      request.destroy();
      resolve(false);
    });
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const root = repoRoot();
  const [kafka, postgres]: [KafkaBroker, PostgresServer] = await Promise.all([
    startKafka({ log: say }),
    startPostgres({ log: say }),
  ]);
  const supervisors = new Map<string, Supervisor>();
  let stopping = false;
  let firstKey: string | null = null;
  // The broker is an unref'd child: without this, the process would end (leaving the broker
  // behind) as soon as no service runs.
  const keepAlive = setInterval(() => undefined, 60_000);

  const shutdown = async (code: number): Promise<void> => {
    if (stopping) {
      return;
    }
    stopping = true;
    say('stopping...');
    clearInterval(keepAlive);
    // No restart after this; each service gets 10 s to stop, then SIGKILL, so its port is free.
    await Promise.all([...supervisors.values()].map((s) => s.stop('SIGTERM', 10_000)));
    await Promise.all([kafka.stop(), postgres.stop()]);
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const result = await ensureTopics(
      createKafka(kafka.brokers, 'cx-start', { logLevel: 'error' }),
      TOPIC_SPECS,
    );
    if (result.created.length > 0) {
      say(`created topics ${result.created.join(', ')}`);
    }
    for (const topic of result.mismatched) {
      say(`warning: ${topic.name} has ${topic.partitions} partitions, expected ${topic.expected}`);
    }
    // Once here rather than in each service at boot, so three services never race on it.
    await migrateDatabase(postgres.url);
    firstKey = await issueFirstKey(postgres.url);
  } catch (error) {
    console.error(error);
    await shutdown(1);
    return;
  }
  say(
    `Kafka ${kafka.brokers}, Postgres (${postgres.mode}) ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  const present = SERVICES.filter((s) =>
    existsSync(join(root, 'dist', 'apps', s.name, 'src', 'main.js')),
  );
  if (present.length === 0) {
    say('no built service found under dist/apps (run `npm run build`); Kafka and Postgres stay up');
  }
  // A service that exits (a crash, a kill) is started again after a pause that grows while it
  // keeps failing; the others and the broker keep running.
  for (const service of present) {
    const prefix = `[${service.name}]`.padEnd(12);
    const supervisor = supervise({
      name: service.name,
      log: say,
      spawn: () => {
        const child = spawn(
          process.execPath,
          [join(root, 'dist', 'apps', service.name, 'src', 'main.js')],
          {
            cwd: root,
            env: {
              ...process.env,
              KAFKA_BROKERS: kafka.brokers,
              DATABASE_URL: postgres.url,
              PORT: String(service.port),
              ...(service.grpcPort === undefined ? {} : { GRPC_PORT: String(service.grpcPort) }),
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        forwardLines(child.stdout, prefix, false);
        forwardLines(child.stderr, prefix, true);
        return child;
      },
    });
    supervisors.set(service.name, supervisor);
  }

  await Promise.all(
    present.map(async (service) => {
      const base = `http://127.0.0.1:${service.port}`;
      const ready = await waitUntil(() => stopping || httpOk(`${base}/health/ready`), 120_000, 500);
      if (!stopping) {
        say(
          `${service.name.padEnd(9)} ${ready ? 'ready' : 'NOT ready after 120 s'}  ${base}/docs  ${base}/health/ready` +
            (service.grpcPort === undefined ? '' : `  gRPC 127.0.0.1:${service.grpcPort}`),
        );
      }
    }),
  );
  if (!stopping) {
    if (firstKey !== null) announceFirstKey(firstKey);
    else if (process.env.CX_AUTH === 'off')
      say('CX_AUTH=off: every request is served WITHOUT a credential');
    say('Ctrl-C stops everything');
  }
}

/**
 * A database without any key would leave a newcomer locked out: the first start issues one key
 * with every scope. Later starts issue none (`cx keys create` makes more).
 */
async function issueFirstKey(databaseUrl: string): Promise<string | null> {
  if (process.env.CX_AUTH === 'off') return null;
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const issued = await new ApiKeyStore(pool).issueFirstKey('first admin (npm start)', SCOPES);
    return issued?.key ?? null;
  } finally {
    await pool.end();
  }
}

function announceFirstKey(key: string): void {
  const line = '='.repeat(76);
  say(line);
  say('This database had no API key: created one with every scope. It is shown only');
  say('this once (just its digest is stored). Every request needs it, for example:');
  say(`  export CX_KEY=${key}`);
  say('  curl -H "authorization: Bearer $CX_KEY" 127.0.0.1:3001/v1/customers');
  say('More keys: npx cx keys create --name NAME --scopes customers:read');
  say(line);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
