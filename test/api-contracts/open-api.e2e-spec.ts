import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiKeyStore } from '@cx/event-store';
import { SCOPES } from '@cx/platform';
import { kafkaBrokers } from '../support/stack';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { startService, stopService, type RunningService } from '../projector/support/services';
import {
  documentedExamples,
  ExampleValidator,
  type OpenApiDocument,
} from './support/open-api-examples';

const run = promisify(execFile);
jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');
const RUN = `oa-${randomBytes(3).toString('hex')}`;
/** The projector is started behind a "proxy": its document names this URL, not its port. */
const PROJECTOR_PUBLIC_URL = 'https://ops.cx-journey.test/projector/';

type Service = 'ingestion' | 'query' | 'projector';
const SERVICES: readonly Service[] = ['ingestion', 'query', 'projector'];

/** The operation names a generated client gets: verb and noun, nothing generated. */
const OPERATIONS: Readonly<Record<Service, readonly string[]>> = {
  ingestion: [
    'getLiveness',
    'getMetrics',
    'getReadiness',
    'recordConsent',
    'recordTouchpoint',
    'recordTouchpointBatch',
  ],
  query: [
    'createApiKey',
    'eraseCustomer',
    'exportCustomer',
    'getChurn',
    'getComplaintMetrics',
    'getCustomerConsents',
    'getCustomerEmotion',
    'getCustomerJourney',
    'getCustomerLoyalty',
    'getCustomerProfile',
    'getCustomerValue',
    'getExperienceMetrics',
    'getFunnel',
    'getLiveness',
    'getMetrics',
    'getMomentsOfTruth',
    'getPerceptionGap',
    'getReadiness',
    'getRevenue',
    'listApiKeys',
    'listAuditEntries',
    'listCustomerTouchpoints',
    'listCustomers',
    'readmitCustomer',
    'revokeApiKey',
    'rotateApiKey',
  ],
  projector: ['getLiveness', 'getMetrics', 'getProjectionLag', 'getReadiness'],
};

const ERROR_BODY = '#/components/schemas/ErrorResponseDto';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

function operationsOf(document: OpenApiDocument): { method: string; path: string; id: string }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => (METHODS as readonly string[]).includes(method))
      .map(([method, operation]) => ({ method, path, id: operation.operationId ?? '' })),
  );
}

/** A CLI's JSON output from its first JSON character: a banner (Node deprecation) may come first. */
function jsonOutput<T>(output: string): T {
  const start = output.search(/[[{]/);
  if (start < 0) throw new Error(`no JSON in:\n${output}`);
  return JSON.parse(output.slice(start)) as T;
}

interface CliOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a CLI of node_modules/.bin; a non-zero exit is an answer here, not a failure. */
async function cli(name: string, args: readonly string[], cwd = ROOT): Promise<CliOutput> {
  try {
    return await run(join(BIN, name), [...args], { cwd, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failed = error as Partial<CliOutput>;
    return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('OpenAPI documents of the three services (built, real Postgres and Kafka)', () => {
  let db: ScratchDatabase;
  let dir: string;
  let key = '';
  const services = new Map<Service, RunningService>();
  const documents = new Map<Service, OpenApiDocument>();
  const files = new Map<Service, string>();

  const service = (name: Service): RunningService => {
    const running = services.get(name);
    if (running === undefined) throw new Error(`${name} is not running`);
    return running;
  };
  const documentOf = (name: Service): OpenApiDocument => {
    const document = documents.get(name);
    if (document === undefined) throw new Error(`no document of ${name}`);
    return document;
  };

  beforeAll(async () => {
    db = await createScratchDatabase('cx_oa');
    dir = await mkdtemp(join(tmpdir(), 'cx-openapi-'));
    key = (await new ApiKeyStore(db.pool).issue({ name: 'open-api', scopes: [...SCOPES] })).key;
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      PROJECTOR_GROUP: `projector.${RUN}`,
      CX_AUTH: 'on',
    };
    const started = await Promise.all(
      SERVICES.map((name) =>
        startService(
          name,
          name === 'projector' ? { ...env, CX_PUBLIC_URL: PROJECTOR_PUBLIC_URL } : env,
          name,
        ),
      ),
    );
    started.forEach((running, i) => services.set(SERVICES[i] as Service, running));
    for (const name of SERVICES) {
      const answer = await fetch(`${service(name).url}/docs-json`);
      expect(answer.status).toBe(200);
      const text = await answer.text();
      const file = join(dir, `${name}.json`);
      // Indented, so that the linters' line numbers point somewhere readable.
      await writeFile(file, JSON.stringify(JSON.parse(text), null, 2));
      files.set(name, file);
      documents.set(name, JSON.parse(text) as OpenApiDocument);
    }
  });

  afterAll(async () => {
    await Promise.all([...services.values()].map((running) => stopService(running)));
    await db?.drop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it.each(SERVICES)('%s serves Swagger UI at /docs', async (name) => {
    const answer = await fetch(`${service(name).url}/docs`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/html');
    expect(await answer.text()).toContain('swagger-ui');
  });

  it.each(SERVICES)('%s: redocly lint (recommended) reports no error nor warning', async (name) => {
    const output = await cli('redocly', [
      'lint',
      '--config',
      join(ROOT, 'redocly.yaml'),
      '--format',
      'json',
      files.get(name) ?? '',
    ]);
    const report = jsonOutput<{
      totals: { errors: number; warnings: number; ignored: number };
      problems: { ruleId: string; severity: string; message: string; location: unknown }[];
    }>(output.stdout);
    // A warning worth keeping is turned off in redocly.yaml, with the reason; none is left here.
    expect({ problems: report.problems, totals: report.totals }).toEqual({
      problems: [],
      totals: { errors: 0, warnings: 0, ignored: 0 },
    });
  });

  it.each(SERVICES)(
    '%s: spectral lint (spectral:oas) reports no error nor warning',
    async (name) => {
      // The report goes to a file: on stdout spectral follows the JSON with a sentence.
      const report = join(dir, `${name}.spectral.json`);
      const output = await cli('spectral', [
        'lint',
        '--ruleset',
        join(ROOT, '.spectral.yaml'),
        '--format',
        'json',
        '--output',
        report,
        files.get(name) ?? '',
      ]);
      const problems = await readFile(report, 'utf8').then(
        (text) => JSON.parse(text) as { code: string; severity: number; message: string }[],
        () => {
          throw new Error(`spectral wrote no report:\n${output.stdout}\n${output.stderr}`);
        },
      );
      // Spectral severities: 0 error, 1 warning, 2 info, 3 hint. A warning worth keeping is turned
      // off in .spectral.yaml, with the reason; none is left here.
      expect(problems.filter((problem) => problem.severity <= 1)).toEqual([]);
    },
  );

  it.each(SERVICES)('%s names every operation readably, once', (name) => {
    const operations = operationsOf(documentOf(name));
    const ids = operations.map((operation) => operation.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !/^[a-z]+(?:[A-Z][a-z]+)+$/.test(id))).toEqual([]);
    expect([...ids].sort()).toEqual(OPERATIONS[name]);
  });

  it('names the URL each service is reached at as its server (CX_PUBLIC_URL when set)', () => {
    expect(documentOf('ingestion').servers).toEqual([{ url: service('ingestion').url }]);
    expect(documentOf('query').servers).toEqual([{ url: service('query').url }]);
    expect(documentOf('projector').servers).toEqual([
      { url: PROJECTOR_PUBLIC_URL.replace(/\/$/, '') },
    ]);
  });

  it.each(SERVICES)('%s: every documented example validates against its schema', (name) => {
    const document = documentOf(name);
    const validator = new ExampleValidator(document);
    const examples = documentedExamples(document);
    // Every error answer carries an example of its own, so there are many; none may be wrong.
    expect(examples.length).toBeGreaterThan(10);
    const invalid = examples
      .map((example) => ({
        where: example.where,
        problems: validator.problems(example.schema, example.value),
      }))
      .filter((result) => result.problems.length > 0);
    expect(invalid).toEqual([]);
  });

  it('the example check refuses an example its schema does not allow', () => {
    const document = documentOf('ingestion');
    const validator = new ExampleValidator(document);
    const errorBody = { $ref: ERROR_BODY };
    expect(validator.problems(errorBody, { error: 'conflict', details: [] })).toEqual([]);
    expect(validator.problems(errorBody, { error: 'conflict' })).not.toEqual([]);
    expect(validator.problems({ type: 'string', enum: ['a'], nullable: true }, null)).not.toEqual(
      [],
    );
  });

  it.each(SERVICES)('%s documents a distinct example for each error status of a route', (name) => {
    const repeated: string[] = [];
    for (const [path, item] of Object.entries(documentOf(name).paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const seen = new Map<string, string>();
        for (const [status, response] of Object.entries(operation.responses)) {
          const json = response.content?.['application/json'];
          // Error bodies only: a readiness 503 answers the readiness body, documented once.
          if (!/^[45]\d\d$/.test(status) || json?.schema?.$ref !== ERROR_BODY) continue;
          const example = JSON.stringify(json.example ?? null);
          if (example === 'null') repeated.push(`${method} ${path} ${status}: no example`);
          const earlier = seen.get(example);
          if (earlier !== undefined)
            repeated.push(`${method} ${path}: ${status} repeats ${earlier}`);
          seen.set(example, status);
        }
      }
    }
    expect(repeated).toEqual([]);
  });

  it('accepts the default request example of every POST unchanged ("Try it out")', async () => {
    const issued = await new ApiKeyStore(db.pool).issue({
      name: 'to-rotate',
      scopes: ['customers:read'],
    });
    const pathValues: Readonly<Record<string, string>> = {
      customerId: 'cust-42',
      keyId: issued.record.keyId,
    };
    const answers: string[] = [];
    let sent = 0;
    for (const name of SERVICES) {
      for (const [path, item] of Object.entries(documentOf(name).paths)) {
        const body = item.post?.requestBody?.content['application/json'];
        if (body === undefined) continue;
        const example = body.examples?.default?.value;
        if (example === undefined) {
          answers.push(`${name} POST ${path}: no default example`);
          continue;
        }
        const url = path.replace(/\{(\w+)\}/g, (_, parameter: string) => {
          const value = pathValues[parameter];
          if (value === undefined) throw new Error(`no value for {${parameter}} of ${path}`);
          return encodeURIComponent(value);
        });
        const answer = await fetch(`${service(name).url}${url}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(example),
        });
        sent += 1;
        if (answer.status < 200 || answer.status > 299) {
          answers.push(`${name} POST ${path}: ${answer.status} ${await answer.text()}`);
        }
      }
    }
    expect(answers).toEqual([]);
    // touchpoint, batch, consent, key creation and rotation
    expect(sent).toBe(5);
  });

  describe('a client generated with openapi-typescript', () => {
    /** tsc's diagnostics (it writes them to stdout) for a file importing the generated types. */
    const compile = async (source: string): Promise<string> => {
      await writeFile(join(dir, 'client.ts'), source);
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: 'es2022',
            module: 'commonjs',
            lib: ['es2022'],
            types: [],
          },
          files: ['client.ts'],
        }),
      );
      const output = await cli('tsc', ['-p', join(dir, 'tsconfig.json')], dir);
      return `${output.stdout}${output.stderr}`;
    };

    beforeAll(async () => {
      for (const name of SERVICES) {
        const output = await cli('openapi-typescript', [
          files.get(name) ?? '',
          '--output',
          join(dir, `${name}-api.ts`),
        ]);
        expect(output.stderr).not.toMatch(/error/i);
      }
    });

    it('compiles calls typed by the readable operation names', async () => {
      const example = (name: Service, path: string): string =>
        JSON.stringify(
          documentOf(name).paths[path]?.post?.requestBody?.content['application/json']?.examples
            ?.default?.value,
        );
      const source = `
import type { operations as Ingestion } from './ingestion-api';
import type { operations as Query } from './query-api';
import type { operations as Projector } from './projector-api';

type JsonBody<Op> = Op extends { requestBody: { content: { 'application/json': infer Body } } }
  ? Body
  : never;
type JsonAnswer<Op, Status extends number> = Op extends {
  responses: { [S in Status]: { content: { 'application/json': infer Answer } } };
}
  ? Answer
  : never;

export const touchpoint: JsonBody<Ingestion['recordTouchpoint']> = ${example('ingestion', '/v1/touchpoints')};
export const batch: JsonBody<Ingestion['recordTouchpointBatch']> = ${example('ingestion', '/v1/touchpoints/batch')};
export const consent: JsonBody<Ingestion['recordConsent']> = ${example('ingestion', '/v1/customers/{customerId}/consents')};
export const newKey: JsonBody<Query['createApiKey']> = ${example('query', '/v1/admin/keys')};
export const position = (answer: JsonAnswer<Ingestion['recordTouchpoint'], 202>): number =>
  answer.position;
export const customerOf = (answer: JsonAnswer<Query['getCustomerProfile'], 200>): string =>
  answer.customerId;
export const names: readonly (keyof Ingestion | keyof Query | keyof Projector)[] = ${JSON.stringify(
        [...new Set(Object.values(OPERATIONS).flat())],
      )};
`;
      expect(await compile(source)).not.toMatch(/error TS/);
    });

    it('has no method under a generated name', async () => {
      // The names the document had before: a client using them no longer compiles.
      const output = await compile(`
import type { operations } from './ingestion-api';
export type Old = operations['RecordTouchpointHttpController_record'];
`);
      expect(output).toMatch(/error TS2339/);
    });
  });
});
