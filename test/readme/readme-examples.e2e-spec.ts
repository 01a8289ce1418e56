import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { kafkaBrokers } from '../support/stack';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { freePort } from '../projector/support/services';

const run = promisify(execFile);
jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
const RUN = `rm-${randomBytes(3).toString('hex')}`;

/** The README's shell examples marked `<!-- readme-example: NAME -->`, by name. */
function readmeExamples(): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const examples = new Map<string, string>();
  for (const match of readme.matchAll(
    /<!-- readme-example: ([\w-]+) -->\s*```sh\n([\s\S]*?)```/g,
  )) {
    examples.set(match[1] as string, match[2] as string);
  }
  return examples;
}

/**
 * What a newcomer does: `npm start` on a database without keys, take the key it prints, and
 * paste the README's examples. Only the ports differ (the test's own, beside a running stack).
 */
describe('README examples against npm start (built, real Postgres and Kafka)', () => {
  let db: ScratchDatabase;
  let start: ChildProcess | undefined;
  let output = '';
  const ports = { ingestion: 0, query: 0, projector: 0 };
  let key = '';

  beforeAll(async () => {
    const entry = join(ROOT, 'dist', 'infra', 'local', 'start.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
    db = await createScratchDatabase('cx_readme');
    ports.ingestion = await freePort();
    ports.query = await freePort();
    ports.projector = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      CX_INGESTION_PORT: String(ports.ingestion),
      CX_QUERY_PORT: String(ports.query),
      CX_PROJECTOR_PORT: String(ports.projector),
      PROJECTOR_GROUP: `projector.${RUN}`,
      // The broker's inbound topic is shared with other suites; its own tests consume it.
      CX_INBOUND: 'off',
      KAFKA_LOG_LEVEL: 'error',
    };
    delete env.CX_AUTH;
    start = spawn(process.execPath, [entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    start.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    start.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const deadline = Date.now() + 180_000;
    while (!output.includes('Ctrl-C stops everything')) {
      if (Date.now() > deadline || start.exitCode !== null) {
        throw new Error(`npm start did not come up:\n${output.slice(-4000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    key = /export CX_KEY=(cxk_\S+)/.exec(output)?.[1] ?? '';
  });

  afterAll(async () => {
    if (start && start.exitCode === null) {
      const exited = new Promise((resolve) => start?.once('exit', resolve));
      start.kill('SIGINT');
      await exited;
    }
    await db?.drop();
  });

  const runExample = async (name: string): Promise<string> => {
    const example = readmeExamples().get(name);
    if (example === undefined) throw new Error(`README has no example ${name}`);
    const script = example
      .replaceAll('127.0.0.1:3000', `127.0.0.1:${ports.ingestion}`)
      .replaceAll('127.0.0.1:3001', `127.0.0.1:${ports.query}`)
      .replaceAll('127.0.0.1:3002', `127.0.0.1:${ports.projector}`);
    // An HTTP error fails the example, as it would a reader who checks what they get.
    const prelude = 'set -euo pipefail\ncurl() { command curl --fail-with-body "$@"; }\n';
    const { stdout } = await run('bash', ['-c', prelude + script], {
      cwd: ROOT,
      env: { ...process.env, CX_KEY: key, DATABASE_URL: db.url },
    });
    return stdout;
  };

  it('prints one admin key on a database without keys, and says how to use it', () => {
    expect(key).toMatch(/^cxk_[0-9a-f]{16}_/);
    expect(output.match(/export CX_KEY=/g)).toHaveLength(1);
  });

  it('sends a touchpoint and reads the profile and timeline as printed', async () => {
    const stdout = await runExample('send-and-read');
    expect(stdout).toContain('"status":"accepted"');
    expect(stdout).toContain('"customerId":"c-42"');
    expect(stdout).toContain('"stage"');
    expect(stdout).toContain('555-0100');
  });

  it('reads the organisation figures as printed', async () => {
    const stdout = await runExample('analytics');
    // The example touchpoint (chat, NPS 9, June 2025) is counted in Madrid's June; the broker's
    // topic is shared with other suites, so other figures may be there too.
    expect(stdout).toMatch(
      /"bucket":"2025-06-01","group":"chat","nps":\{"score":[-\d.]+,"answers":\d+/,
    );
    expect(stdout).toContain('"timeZone":"Europe/Madrid"');
    expect(stdout).toContain('"groupBy":"channel","rows":[');
    expect(stdout).toMatch(/"customers":\d+,"byStage":\{"awareness":\d+/);
  });

  it('creates and lists keys as printed', async () => {
    const stdout = await runExample('keys');
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^cxk_[0-9a-f]{16}_\S{43}$/);
    expect(stdout).toContain('crm-sync');
    expect(stdout).toContain('"name":"dashboard"');
  });

  it('exports, erases and readmits the example customer as printed', async () => {
    const stdout = await runExample('erase');
    expect(stdout).toContain('"exportedAt"');
    expect(stdout).toContain('555-0100');
    expect(stdout).toContain('"erasureId"');
    expect(stdout).toContain('"readmitted":true');
  });

  it('scrapes metrics and reads the lag as printed', async () => {
    const stdout = await runExample('metrics');
    expect(stdout).toMatch(/^http_requests_total\{.*service="ingestion"\} \d+$/m);
    expect(stdout).toContain('"eventsBehind"');
  });

  it('refuses the same requests without the key', async () => {
    const answer = await fetch(`http://127.0.0.1:${ports.query}/v1/customers/c-42`);
    expect(answer.status).toBe(401);
  });
});
