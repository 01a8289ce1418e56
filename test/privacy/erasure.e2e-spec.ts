import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { Client, Pool } from 'pg';
import { CUSTOMER_ERASED_TYPE, TOPICS } from '@cx/contracts';
import { ApiKeyStore, EventStore, PersonalDataCipher } from '@cx/event-store';
import { createKafka } from '@cx/messaging';
import { SCOPES } from '@cx/platform';
import { kafkaBrokers } from '../support/stack';
import { eventually } from '../support/eventually';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import {
  distMain,
  startService,
  stopService,
  type RunningService,
} from '../projector/support/services';

const run = promisify(execFile);
jest.setTimeout(300_000);

/**
 * The right to erasure, end to end on the built services: a customer's free text and attributes
 * go in, a dump of the event store and every topic are taken, the customer is erased, and then
 * nothing of what was taken — nor the live database, the dead letters or a rebuild — gives the
 * text back, while the aggregate figures stay as they were.
 */
const RUN = `er-${randomBytes(3).toString('hex')}`;
const ERASED = `${RUN}-erased`;
const KEPT = `${RUN}-kept`;
/** What only the erased customer said: it must never be readable again. */
const SECRET_TEXT = `${RUN} my number is 555-0199, call after six`;
const SECRET_ATTRIBUTE = `${RUN}-passport-X1234567`;
const KEPT_TEXT = `${RUN} kept customer text`;

type Body = Record<string, unknown>;

let sequence = 0;
function touchpoint(customerId: string, interaction: string, extra: Body = {}): Body {
  sequence += 1;
  return {
    touchpointId: `${RUN}-tp-${sequence}`,
    customerId,
    occurredAt: new Date(Date.UTC(2025, 5, 1) + sequence * 3_600_000).toISOString(),
    channel: 'chat',
    interaction,
    ...extra,
  };
}

/** Every message of `topic` whose key is one of `keys`, read from the beginning by a plain client. */
async function readTopic(
  kafka: Kafka,
  topic: string,
  keys: ReadonlySet<string>,
): Promise<KafkaMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const pending = new Map(
    ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]),
  );
  const found: KafkaMessage[] = [];
  if (pending.size === 0) return found;
  const consumer = kafka.consumer({ groupId: `${RUN}-reader-${randomBytes(3).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: ({ partition, message }) => {
        if (keys.has(message.key?.toString() ?? '')) found.push(message);
        const high = pending.get(partition);
        if (high !== undefined && BigInt(message.offset) + 1n >= high) pending.delete(partition);
        if (pending.size === 0) resolve();
        return Promise.resolve();
      },
    });
  });
  await done;
  await consumer.disconnect();
  return found;
}

describe('erasure (built services, real Postgres and Kafka)', () => {
  let db: ScratchDatabase;
  let kafka: Kafka;
  let ingestion: RunningService;
  let projector: RunningService;
  let query: RunningService;
  let key = '';
  let dumpDir = '';

  const http = async (
    service: RunningService,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Body; text: string }> => {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Body), text };
  };

  const ingest = async (list: Body[]): Promise<number> => {
    const answer = await http(ingestion, 'POST', '/v1/touchpoints/batch', { touchpoints: list });
    expect(answer.status).toBe(202);
    const results = answer.body.results as { position: number }[];
    return Math.max(...results.map((r) => r.position));
  };

  /** Every table of the event store's database, as text: where a clear copy would show. */
  const wholeDatabaseText = async (): Promise<string> => {
    const { rows: tables } = await db.pool.query<{ name: string }>(
      `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'`,
    );
    const parts: string[] = [];
    for (const { name } of tables) {
      const { rows } = await db.pool.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM ${name} t`,
      );
      parts.push(...rows.map((r) => r.row));
    }
    return parts.join('\n');
  };

  /** What anyone gets from aggregate reads: must not move when a customer is erased. */
  const aggregates = async (): Promise<Body> => {
    const { rows } = await db.pool.query<Body>(
      `SELECT (SELECT count(*) FROM customer_profiles WHERE customer_id LIKE $1) AS profiles,
              (SELECT count(*) FROM projection_touchpoints WHERE customer_id LIKE $1) AS applied,
              (SELECT count(*) FROM touchpoint_events WHERE customer_id LIKE $1) AS events,
              (SELECT json_agg(stage ORDER BY customer_id) FROM customer_profiles WHERE customer_id LIKE $1) AS stages`,
      [`${RUN}-%`],
    );
    return {
      ...rows[0],
      erasedProfile: (await http(query, 'GET', `/v1/customers/${ERASED}`)).body,
    };
  };

  beforeAll(async () => {
    for (const app of ['ingestion', 'projector', 'query', 'cli']) distMain(app);
    db = await createScratchDatabase('cx_er');
    key = (await new ApiKeyStore(db.pool).issue({ name: 'privacy officer', scopes: SCOPES })).key;
    kafka = createKafka(kafkaBrokers(), `${RUN}-test`, { logLevel: 'error' });
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      PROJECTOR_GROUP: `projector.${RUN}`,
      CX_AUTH: 'on',
    };
    [ingestion, projector, query] = await Promise.all([
      startService('ingestion', env, 'ingestion'),
      startService('projector', env, 'projector'),
      startService('query', env, 'query'),
    ]);
    dumpDir = mkdtempSync(join(tmpdir(), 'cx-erasure-'));
  });

  afterAll(async () => {
    for (const service of [ingestion, projector, query]) {
      if (service) await stopService(service, 'SIGKILL');
    }
    if (dumpDir) rmSync(dumpDir, { recursive: true, force: true });
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(
      `DROP DATABASE IF EXISTS ${new URL(db.url).pathname.slice(1)}_restored WITH (FORCE)`,
    );
    await admin.end();
    await db?.drop();
  });

  it('leaves no readable copy of the personal data anywhere, and every aggregate as it was', async () => {
    // 1. A customer who says personal things, and one who is kept.
    const head = await ingest([
      touchpoint(ERASED, 'inquiry', {
        text: SECRET_TEXT,
        attributes: { passport: SECRET_ATTRIBUTE },
      }),
      touchpoint(ERASED, 'purchase', { value: { amount: 120, currency: 'EUR' } }),
      touchpoint(ERASED, 'complaint_opened', {
        complaintId: 'k1',
        reason: 'delay',
        text: SECRET_TEXT,
      }),
      touchpoint(ERASED, 'survey_response', { survey: { nps: 3, csat: 2 } }),
      touchpoint(KEPT, 'purchase', { text: KEPT_TEXT }),
      touchpoint(KEPT, 'survey_response', { survey: { nps: 10 } }),
    ]);
    for (const customer of [ERASED, KEPT]) {
      const read = await http(
        query,
        'GET',
        `/v1/customers/${customer}?minPosition=${head}&waitMs=30000`,
      );
      expect(read.status).toBe(200);
    }
    const exportBefore = await http(query, 'GET', `/v1/customers/${ERASED}/export`);
    expect(exportBefore.status).toBe(200);
    expect(exportBefore.body).toMatchObject({
      customerId: ERASED,
      profile: { customerId: ERASED },
    });
    expect((exportBefore.body.touchpoints as unknown[]).length).toBe(4);
    expect(exportBefore.text).toContain(SECRET_ATTRIBUTE);
    const timelineBefore = await http(query, 'GET', `/v1/customers/${ERASED}/touchpoints`);
    expect(timelineBefore.text).toContain(SECRET_TEXT.replace(/"/g, ''));
    expect(timelineBefore.text).toContain(SECRET_ATTRIBUTE);

    // A poison copy of one of its messages, so that the dead letters hold its sealed data too.
    const published = await eventually('the erased customer on the topic', async () => {
      const found = await readTopic(kafka, TOPICS.touchpoints, new Set([ERASED]));
      return found.length >= 4 ? found : undefined;
    });
    const producer = kafka.producer();
    await producer.connect();
    const sealedOne = published.find((m) => m.value?.toString().includes('"personal":{'));
    expect(sealedOne).toBeDefined();
    await producer.send({
      topic: TOPICS.touchpoints,
      messages: [
        { key: ERASED, value: sealedOne?.value ?? null, headers: { ce_type: 'cx.test.garbled' } },
      ],
    });
    await producer.disconnect();
    const deadBefore = await eventually('the poison copy in the dead letters', async () => {
      const found = await readTopic(kafka, TOPICS.touchpointsDeadLetter, new Set([ERASED]));
      return found.length >= 1 ? found : undefined;
    });

    // 2. What was taken before the erasure: a dump of the event store, and every topic.
    const dumpFile = join(dumpDir, 'before.sql');
    await run('pg_dump', ['--no-owner', '--file', dumpFile, db.url]);
    const topicsBefore = [...published, ...deadBefore];
    for (const message of topicsBefore) {
      // Personal data travels sealed: even before the erasure no clear copy is on a topic.
      expect(message.value?.toString()).not.toContain(SECRET_ATTRIBUTE);
      expect(message.value?.toString()).not.toContain('555-0199');
    }
    const before = await aggregates();

    // 3. Erase.
    const erased = await http(query, 'DELETE', `/v1/customers/${ERASED}`);
    expect(erased.status).toBe(201);
    expect(erased.body).toMatchObject({ customerId: ERASED, requestedBy: 'privacy officer' });
    const steps = (erased.body.steps as { where: string; what: string }[]).map((s) => s.where);
    expect(steps).toEqual(
      expect.arrayContaining([
        'ingestion',
        'key store (customer_keys)',
        'event store (touchpoint_events)',
        'read models',
      ]),
    );
    expect(JSON.stringify(erased.body.steps)).toContain('2 of 4 touchpoints carry personal data');
    const again = await http(query, 'DELETE', `/v1/customers/${ERASED}`);
    expect(again.status).toBe(200);
    expect(again.body.erasureId).toBe(erased.body.erasureId);

    // 4a. The live service: history kept, personal data gone, even for personal:read.
    const timelineAfter = await http(query, 'GET', `/v1/customers/${ERASED}/touchpoints`);
    expect(timelineAfter.status).toBe(200);
    const items = timelineAfter.body.items as { personalData: string; touchpoint: Body }[];
    expect(items).toHaveLength(4);
    expect(items.filter((i) => i.personalData === 'forgotten')).toHaveLength(2);
    expect(timelineAfter.text).not.toContain('555-0199');
    expect(timelineAfter.text).not.toContain(SECRET_ATTRIBUTE);
    expect((await http(query, 'GET', `/v1/customers/${KEPT}/touchpoints`)).text).toContain(
      KEPT_TEXT,
    );

    const exportAfter = await http(query, 'GET', `/v1/customers/${ERASED}/export`);
    expect(exportAfter.status).toBe(200);
    expect(exportAfter.text).not.toContain(SECRET_ATTRIBUTE);
    expect(exportAfter.text).toContain('"personalData":"forgotten"');

    // 4b. The event store's database and its read models, every table: no clear copy.
    const everything = await wholeDatabaseText();
    expect(everything).not.toContain('555-0199');
    expect(everything).not.toContain(SECRET_ATTRIBUTE);

    // 4c. The dump taken before: restored, with the live key store and master key, it opens the
    // kept customer's data (a backup still serves) but not the erased customer's.
    const dumpText = readFileSync(dumpFile, 'utf8');
    expect(dumpText).not.toContain('555-0199');
    expect(dumpText).not.toContain(SECRET_ATTRIBUTE);
    // The keys live in the key store, a database of their own: the dump holds none.
    expect(dumpText).not.toMatch(/CREATE TABLE public\.customer_keys/);
    const restoredName = `${new URL(db.url).pathname.slice(1)}_restored`;
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${restoredName}`);
    await admin.end();
    const restoredUrl = new URL(db.url);
    restoredUrl.pathname = `/${restoredName}`;
    await run('psql', [
      '--quiet',
      '--set',
      'ON_ERROR_STOP=1',
      '--file',
      dumpFile,
      restoredUrl.toString(),
    ]);
    const restored = new Pool({ connectionString: restoredUrl.toString(), max: 2 });
    try {
      const fromDump = new EventStore(restored, new PersonalDataCipher(db.keyPool));
      const erasedFromDump = await fromDump.readCustomerTimeline(ERASED, { limit: 10 });
      expect(erasedFromDump.map((t) => t.personalData).sort()).toEqual([
        'forgotten',
        'forgotten',
        'none',
        'none',
      ]);
      expect(JSON.stringify(erasedFromDump)).not.toContain('555-0199');
      const keptFromDump = await fromDump.readCustomerTimeline(KEPT, { limit: 10 });
      expect(JSON.stringify(keptFromDump)).toContain(KEPT_TEXT);
    } finally {
      await restored.end();
    }

    // 4d. The topics and dead letters taken before: their sealed data has no key any more.
    const cipher = new PersonalDataCipher(db.keyPool);
    expect((await cipher.loadKeys([ERASED])).get(ERASED)).toBeNull();
    expect((await cipher.loadKeys([KEPT])).get(KEPT)).toBeTruthy();

    // 4e. A rebuild from the event store gives the same read models, and no personal data.
    await run(process.execPath, [distMain('cli'), 'projections', 'rebuild'], {
      env: { ...process.env, DATABASE_URL: db.url },
    });
    expect(await wholeDatabaseText()).not.toContain('555-0199');

    // 4f. Aggregates and the erased customer's non-personal profile are as they were.
    expect(await aggregates()).toEqual(before);

    // 4g. No service wrote the personal data or a key into its log.
    for (const service of [ingestion, projector, query]) {
      expect(service.output()).not.toContain('555-0199');
      expect(service.output()).not.toContain(SECRET_ATTRIBUTE);
      expect(service.output()).not.toContain(key.slice(21));
    }

    // 5. The erasure was announced, keyed by customer.
    const announced = await eventually('cx.customer.erased.v1', async () => {
      const found = await readTopic(kafka, TOPICS.customerInsights, new Set([ERASED]));
      const hit = found.find((m) => m.headers?.ce_type?.toString() === CUSTOMER_ERASED_TYPE);
      return hit;
    });
    expect(JSON.parse(announced.value?.toString() ?? '{}')).toMatchObject({
      customerId: ERASED,
      erasureId: erased.body.erasureId,
    });
  });

  it('refuses later touchpoints of the erased customer with 410, storing nothing, until readmitted', async () => {
    const single = await http(
      ingestion,
      'POST',
      '/v1/touchpoints',
      touchpoint(ERASED, 'inquiry', { text: 'back again' }),
    );
    expect(single.status).toBe(410);
    expect(single.body).toMatchObject({
      error: 'customer_erased',
      details: [{ path: 'customerId' }],
    });
    const batch = await http(ingestion, 'POST', '/v1/touchpoints/batch', {
      touchpoints: [touchpoint(KEPT, 'inquiry'), touchpoint(ERASED, 'inquiry')],
    });
    expect(batch.status).toBe(410);
    expect(batch.body).toMatchObject({ details: [{ path: 'touchpoints[1].customerId' }] });
    const { rows } = await db.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM touchpoint_events WHERE customer_id = ANY($1::text[])',
      [[ERASED, KEPT]],
    );
    expect(Number(rows[0]?.n)).toBe(6);

    const readmitted = await http(query, 'POST', `/v1/customers/${ERASED}/readmission`);
    expect(readmitted.status).toBe(200);
    const back = await http(
      ingestion,
      'POST',
      '/v1/touchpoints',
      touchpoint(ERASED, 'inquiry', { text: 'back again' }),
    );
    expect(back.status).toBe(202);
    const timeline = await http(
      query,
      'GET',
      `/v1/customers/${ERASED}/touchpoints?minPosition=${String(back.body.position)}`,
    );
    expect(timeline.text).toContain('back again');
    expect(timeline.text).not.toContain('555-0199');
    expect((await http(query, 'POST', `/v1/customers/${KEPT}/readmission`)).status).toBe(404);
  });

  it('records consent changes as events, once per id, and serves the standing per purpose', async () => {
    const customer = `${RUN}-consent`;
    const change = {
      consentId: `${RUN}-consent-1`,
      purpose: 'marketing.email',
      status: 'withdrawn',
      effectiveAt: '2025-06-01T10:00:00+02:00',
      source: 'crm',
    };
    const path = `/v1/customers/${customer}/consents`;
    const first = await http(ingestion, 'POST', path, change);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ consentId: change.consentId, status: 'accepted' });
    const again = await http(ingestion, 'POST', path, change);
    expect(again.body).toMatchObject({ status: 'duplicate', position: first.body.position });
    const other = await http(ingestion, 'POST', path, { ...change, status: 'granted' });
    expect(other.status).toBe(409);
    const bad = await http(ingestion, 'POST', path, {
      ...change,
      consentId: 'x',
      status: 'maybe',
      colour: 1,
    });
    expect(bad.status).toBe(400);
    expect((bad.body.details as { path: string }[]).map((d) => d.path).sort()).toEqual([
      'colour',
      'status',
    ]);
    expect(
      (await http(ingestion, 'POST', `/v1/customers/${ERASED}-gone/consents`, change)).status,
    ).toBe(409);
    await http(query, 'DELETE', `/v1/customers/${customer}-erased`);
    const gone = await http(ingestion, 'POST', `/v1/customers/${customer}-erased/consents`, {
      ...change,
      consentId: `${RUN}-consent-2`,
    });
    expect(gone.status).toBe(410);

    const standing = await http(query, 'GET', path);
    expect(standing.status).toBe(200);
    expect(standing.body).toMatchObject({
      customerId: customer,
      current: [
        {
          purpose: 'marketing.email',
          status: 'withdrawn',
          effectiveAt: '2025-06-01T08:00:00.000Z',
        },
      ],
      history: [{ consentId: change.consentId, source: 'crm' }],
    });
    const none = await http(query, 'GET', `/v1/customers/${RUN}-no-consent/consents`);
    expect(none.body).toEqual({ customerId: `${RUN}-no-consent`, current: [], history: [] });

    // A touchpoint names the purposes it serves; they are kept with it, sorted.
    const position = await ingest([
      touchpoint(customer, 'exposure', {
        channel: 'email',
        purposes: ['marketing.email', 'analytics'],
      }),
    ]);
    const timeline = await http(
      query,
      'GET',
      `/v1/customers/${customer}/touchpoints?minPosition=${position}`,
    );
    expect(timeline.body).toMatchObject({
      items: [{ touchpoint: { purposes: ['analytics', 'marketing.email'] } }],
    });
    const refused = await http(
      ingestion,
      'POST',
      '/v1/touchpoints',
      touchpoint(customer, 'exposure', { purposes: ['Bad Purpose'] }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ details: [{ path: 'purposes' }] });
  });

  it('erases from the command line too, printing the receipt', async () => {
    const customer = `${RUN}-cli`;
    const position = await ingest([touchpoint(customer, 'inquiry', { text: 'cli secret' })]);
    const { stdout } = await run(
      process.execPath,
      [distMain('cli'), 'customers', 'erase', customer],
      {
        env: { ...process.env, DATABASE_URL: db.url },
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ customerId: customer });
    const timeline = await http(
      query,
      'GET',
      `/v1/customers/${customer}/touchpoints?minPosition=${position}`,
    );
    expect(timeline.text).not.toContain('cli secret');
    expect(timeline.text).toContain('"personalData":"forgotten"');
  });
});
