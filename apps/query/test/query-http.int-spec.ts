import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  deriveProfile,
  deriveStageHistory,
  type CustomerProfile,
  type Touchpoint,
} from '@cx/domain';
import { ApiKeyStore, EventStore, PersonalDataCipher } from '@cx/event-store';
import type { Scope } from '@cx/platform';
import {
  createQueryTestDatabase,
  seedReadModel,
  type QueryTestDatabase,
} from '../../../test/query/query-test-database';
import { until } from '../../../test/support/eventually';
import { encodeCursor } from '../src/common/page-cursor';
import { QueryConfig } from '../src/config/query.config';
import { configureQueryHttp } from '../src/query.http';
import { QueryModule } from '../src/query.module';

type Body = Record<string, unknown>;
type Extra = Record<string, unknown>;

let sequence = 0;
function tp(customerId: string, day: number, interaction: string, extra: Extra = {}): Touchpoint {
  sequence += 1;
  return {
    touchpointId: `${customerId}-tp-${String(sequence).padStart(4, '0')}`,
    customerId,
    occurredAt: new Date(Date.UTC(2025, 0, 1) + day * 86_400_000).toISOString(),
    channel: 'support',
    category: 'human',
    interaction,
    ...extra,
  } as Touchpoint;
}

/** Loyal promoter: purchases, promises kept, NPS 10, a referral. */
const loyal = (c: string): Touchpoint[] => [
  tp(c, 0, 'inquiry', { channel: 'web', category: 'interactive' }),
  tp(c, 1, 'purchase', { value: { amount: 100, currency: 'EUR' }, survey: { csat: 5 } }),
  tp(c, 2, 'commitment_made', { commitmentId: 'c1', dueAt: '2025-01-10T00:00:00.000Z' }),
  tp(c, 3, 'commitment_kept', { commitmentId: 'c1', sentiment: 0.9 }),
  tp(c, 50, 'survey_response', { survey: { nps: 10, csat: 5 } }),
  tp(c, 120, 'repurchase', {
    survey: { csat: 5 },
    text: 'renewed, happy',
    attributes: { plan: 'gold' },
  }),
  tp(c, 130, 'referral', { sentiment: 1 }),
];

/** Unhappy: complaint never resolved, NPS 0. */
const unhappy = (c: string): Touchpoint[] => [
  tp(c, 0, 'purchase'),
  tp(c, 1, 'complaint_opened', { complaintId: 'k1', reason: 'delay', sentiment: -1 }),
  tp(c, 2, 'survey_response', { survey: { nps: 0, csat: 1 } }),
];

const lost = (c: string): Touchpoint[] => [tp(c, 0, 'purchase'), tp(c, 5, 'cancellation')];
const newcomer = (c: string): Touchpoint[] => [
  tp(c, 0, 'exposure', { channel: 'advertising', category: 'static' }),
];

describe('query HTTP API (real Postgres)', () => {
  let db: QueryTestDatabase;
  let app: INestApplication;
  let store: EventStore;
  let cipher: PersonalDataCipher;
  const profiles = new Map<string, CustomerProfile>();
  const histories = new Map<string, Touchpoint[]>();
  /** Keys by what they may do: a reader of customers, and one that may also see personal data. */
  const keys = { reader: '', personal: '', admin: '' };
  const http = (key = keys.personal): ReturnType<typeof request.agent> =>
    request.agent(app.getHttpServer() as Server).set('authorization', `Bearer ${key}`);

  async function record(touchpoints: Touchpoint[], project = true): Promise<number[]> {
    const results = await store.append(touchpoints);
    const positioned = touchpoints.map((touchpoint, i) => ({
      touchpoint,
      position: results[i]?.position ?? 0,
    }));
    if (project) {
      await seedReadModel(db.pool, positioned);
      const customerId = touchpoints[0]?.customerId ?? '';
      histories.set(customerId, touchpoints);
      profiles.set(customerId, deriveProfile(touchpoints));
    }
    return positioned.map((p) => p.position);
  }

  async function expectInvalid(url: string, path: string): Promise<void> {
    const res = await http().get(url).expect(400);
    expect(res.body).toEqual({ error: 'invalid_request', details: expect.any(Array) as unknown });
    expect((res.body as { details: { path: string }[] }).details.map((d) => d.path)).toContain(
      path,
    );
  }

  beforeAll(async () => {
    db = await createQueryTestDatabase();
    cipher = new PersonalDataCipher(db.keyPool);
    store = new EventStore(db.pool, cipher);
    const config = Object.assign(new QueryConfig(), {
      DATABASE_URL: db.url,
      PORT: 0,
      GRPC_PORT: 0,
    });
    const moduleRef = await Test.createTestingModule({
      imports: [QueryModule.forRoot(config)],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'warn'], bodyParser: false });
    configureQueryHttp(app);
    await app.init();
    const keyStore = new ApiKeyStore(db.pool);
    const issue = async (scopes: Scope[]): Promise<string> =>
      (await keyStore.issue({ name: scopes.join(' '), scopes })).key;
    keys.reader = await issue(['customers:read']);
    keys.personal = await issue(['customers:read', 'personal:read']);
    keys.admin = await issue(['admin']);

    await record(loyal('cust-loyal'));
    await record(unhappy('cust-unhappy'));
    await record(lost('cust-lost'));
    for (let i = 0; i < 23; i += 1)
      await record(newcomer(`cust-new-${String(i).padStart(2, '0')}`));
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  describe('one customer', () => {
    it('GET /v1/customers/{id} answers exactly the derived profile, byte for byte as cx derive prints it', async () => {
      const res = await http().get('/v1/customers/cust-loyal').expect(200);
      expect(res.text).toBe(JSON.stringify(profiles.get('cust-loyal')));
    });

    it('GET …/journey answers stage, phase, status and the stage history', async () => {
      const res = await http().get('/v1/customers/cust-loyal/journey').expect(200);
      const profile = profiles.get('cust-loyal') as CustomerProfile;
      const history = deriveStageHistory(histories.get('cust-loyal') ?? []);
      expect(res.body).toEqual({
        customerId: 'cust-loyal',
        stage: profile.stage,
        phase: profile.phase,
        status: profile.status,
        stageHistory: JSON.parse(JSON.stringify(history.entries)) as unknown,
        secondsInStage: history.secondsInStage,
        lastPosition: expect.any(Number) as unknown,
      });
      expect((res.body as { stageHistory: unknown[] }).stageHistory.length).toBeGreaterThan(1);
    });

    it('GET …/emotion answers the level with every signal behind the score', async () => {
      const res = await http().get('/v1/customers/cust-unhappy/emotion').expect(200);
      const { emotion } = profiles.get('cust-unhappy') as CustomerProfile;
      const body = res.body as Body & {
        signals: { touchpointId: string; valence: number; weight: number }[];
      };
      expect(body).toMatchObject({
        customerId: 'cust-unhappy',
        level: emotion.level,
        score: emotion.score,
        feeling: emotion.feeling,
        recall: emotion.recall,
        impact: emotion.impact,
        signalCount: emotion.signals,
      });
      expect(body.signals).toHaveLength(emotion.signals);
      // Weighted mean of the listed signals is the score.
      const sumW = body.signals.reduce((s, x) => s + x.weight, 0);
      const sumWV = body.signals.reduce((s, x) => s + x.weight * x.valence, 0);
      expect(sumWV / sumW).toBeCloseTo(emotion.score ?? Number.NaN, 6);
    });

    it('GET …/loyalty answers the criteria with their evidence', async () => {
      const res = await http().get('/v1/customers/cust-loyal/loyalty').expect(200);
      const { loyalty } = profiles.get('cust-loyal') as CustomerProfile;
      expect(res.body).toEqual({ customerId: 'cust-loyal', ...loyalty });
      expect((res.body as { criteria: unknown[] }).criteria).toHaveLength(6);
    });

    it.each(['', '/journey', '/emotion', '/loyalty', '/touchpoints'])(
      'GET …%s of an unknown customer is 404',
      async (suffix) => {
        const res = await http().get(`/v1/customers/nobody-here${suffix}`).expect(404);
        expect(res.body).toEqual({
          error: 'customer_not_found',
          details: [
            { path: 'customerId', message: expect.stringContaining('nobody-here') as unknown },
          ],
        });
      },
    );
  });

  describe('the timeline', () => {
    it('pages newest first with no touchpoint lost or repeated, personal fields decrypted', async () => {
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor === null ? '' : `&cursor=${cursor}`;
        const res = await http()
          .get(`/v1/customers/cust-loyal/touchpoints?limit=3${query}`)
          .expect(200);
        const body = res.body as {
          items: { position: number; touchpoint: Body; personalData: string }[];
          nextCursor: string | null;
        };
        expect(body.items.length).toBeLessThanOrEqual(3);
        seen.push(...body.items.map((i) => i.position));
        const renewed = body.items.find((i) => i.touchpoint.text !== null);
        if (renewed) {
          expect(renewed).toMatchObject({
            personalData: 'readable',
            touchpoint: { text: 'renewed, happy', attributes: { plan: 'gold' } },
          });
        }
        cursor = body.nextCursor;
        pages += 1;
      } while (cursor !== null);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(7);
      expect(new Set(seen).size).toBe(7);
      expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    });

    it('answers null personal fields once the customer is forgotten', async () => {
      await record(
        [tp('cust-forgotten', 0, 'feedback', { text: 'call me at home', sentiment: 0.2 })],
        true,
      );
      await cipher.forget('cust-forgotten');
      const res = await http().get('/v1/customers/cust-forgotten/touchpoints').expect(200);
      expect(res.body).toMatchObject({
        customerId: 'cust-forgotten',
        nextCursor: null,
        items: [
          {
            personalData: 'forgotten',
            touchpoint: { text: null, attributes: null, sentiment: 0.2 },
          },
        ],
      });
    });

    it('withholds personal fields from a credential without personal:read, and says so', async () => {
      const withheld = await http(keys.reader).get('/v1/customers/cust-loyal/touchpoints');
      expect(withheld.status).toBe(200);
      const items = (withheld.body as { items: { personalData: string; touchpoint: Body }[] })
        .items;
      const renewal = items.find((i) => i.touchpoint.interaction === 'repurchase');
      expect(renewal).toMatchObject({
        personalData: 'withheld',
        touchpoint: { text: null, attributes: null, survey: { csat: 5 } },
      });
      expect(withheld.text).not.toContain('renewed, happy');
      expect(withheld.text).not.toContain('gold');
      const readable = await http(keys.personal).get('/v1/customers/cust-loyal/touchpoints');
      expect(readable.text).toContain('renewed, happy');
    });
  });

  describe('access', () => {
    it.each([
      ['no credential', null, 401],
      ['a malformed header', 'Basic dXNlcjpwYXNz', 401],
      [
        'an unknown key',
        'Bearer cxk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        401,
      ],
      ['garbage', 'Bearer garbage', 401],
    ])('refuses %s with 401 and a Bearer challenge', async (_name, header, status) => {
      const req = request(app.getHttpServer() as Server).get('/v1/customers/cust-loyal');
      const res = await (header === null ? req : req.set('authorization', header));
      expect(res.status).toBe(status);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="cx-journey"/);
      expect(res.body).toMatchObject({
        error: 'unauthenticated',
        details: [{ path: 'authorization' }],
      });
    });

    it('refuses a credential without the scope with 403 naming it', async () => {
      const res = await http(keys.admin).get('/v1/customers/cust-loyal').expect(403);
      expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
      expect(res.headers['www-authenticate']).toContain('scope="customers:read"');
      expect(res.body).toMatchObject({ error: 'forbidden' });
    });

    it('issues, lists, rotates and revokes keys through /v1/admin/keys', async () => {
      const created = await http(keys.admin)
        .post('/v1/admin/keys')
        .send({ name: 'crm', scopes: ['customers:read'] })
        .expect(201);
      const issued = created.body as { keyId: string; key: string; status: string };
      expect(issued.status).toBe('active');
      expect(issued.key).toMatch(new RegExp(`^cxk_${issued.keyId}_`));
      await http(issued.key).get('/v1/customers/cust-loyal').expect(200);
      await until('the use to be recorded', async () => {
        const listed = await http(keys.admin).get('/v1/admin/keys').expect(200);
        const items = (listed.body as { items: { keyId: string; lastUsedAt: string | null }[] })
          .items;
        expect(JSON.stringify(listed.body)).not.toContain(issued.key.slice(21));
        return items.find((k) => k.keyId === issued.keyId)?.lastUsedAt !== null;
      });

      const rotated = await http(keys.admin)
        .post(`/v1/admin/keys/${issued.keyId}/rotate`)
        .expect(201);
      const successor = rotated.body as { key: string; rotatedFrom: string; scopes: string[] };
      expect(successor).toMatchObject({ rotatedFrom: issued.keyId, scopes: ['customers:read'] });
      await http(issued.key).get('/v1/customers/cust-loyal').expect(401);
      await http(successor.key).get('/v1/customers/cust-loyal').expect(200);

      const revokedId = successor.key.slice(4, 20);
      const revoked = await http(keys.admin).delete(`/v1/admin/keys/${revokedId}`).expect(200);
      expect(revoked.body).toMatchObject({ status: 'revoked' });
      const refused = await http(successor.key).get('/v1/customers/cust-loyal').expect(401);
      expect(refused.headers['www-authenticate']).toContain('API key revoked');
      await http(keys.admin).delete('/v1/admin/keys/0123456789abcdef').expect(404);
    });

    it('refuses a bad key request naming the field, and stores nothing', async () => {
      const before = ((await http(keys.admin).get('/v1/admin/keys')).body as { items: unknown[] })
        .items.length;
      const res = await http(keys.admin)
        .post('/v1/admin/keys')
        .send({ name: 'x', scopes: ['everything'] })
        .expect(400);
      expect((res.body as { details: { path: string }[] }).details.map((d) => d.path)).toContain(
        'scopes',
      );
      const after = ((await http(keys.admin).get('/v1/admin/keys')).body as { items: unknown[] })
        .items.length;
      expect(after).toBe(before);
      await http(keys.personal).get('/v1/admin/keys').expect(403);
    });

    it('serves health and the documentation without a credential', async () => {
      await request(app.getHttpServer() as Server)
        .get('/health/ready')
        .expect(200);
      await request(app.getHttpServer() as Server)
        .get('/docs-json')
        .expect(200);
    });
  });

  describe('worklists', () => {
    const list = async (
      query: string,
    ): Promise<{ items: { customerId: string }[]; nextCursor: string | null }> =>
      (await http().get(`/v1/customers?${query}`).expect(200)).body as {
        items: { customerId: string }[];
        nextCursor: string | null;
      };

    const expected = (match: (p: CustomerProfile) => boolean): string[] =>
      [...profiles.values()]
        .filter(match)
        .map((p) => p.customerId)
        .sort();

    it('filters by status, stage and emotion level, alone and together', async () => {
      const atRisk = expected((p) => p.status === 'at_risk');
      expect(atRisk).toContain('cust-unhappy');
      expect((await list('status=at_risk')).items.map((i) => i.customerId)).toEqual(atRisk);
      expect((await list('status=lost')).items.map((i) => i.customerId)).toEqual(['cust-lost']);
      const loyalStage = profiles.get('cust-loyal')?.stage ?? 'awareness';
      expect((await list(`stage=${loyalStage}`)).items.map((i) => i.customerId)).toEqual(
        expected((p) => p.stage === loyalStage),
      );
      const level = profiles.get('cust-unhappy')?.emotion.level ?? 'rejection';
      expect(
        (await list(`emotion=${level}&status=at_risk`)).items.map((i) => i.customerId),
      ).toEqual(expected((p) => p.emotion.level === level && p.status === 'at_risk'));
      expect((await list('stage=advocacy&status=lost')).items).toEqual([]);
    });

    it('pages by customerId with no customer lost or repeated', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(`limit=4${cursor === null ? '' : `&cursor=${cursor}`}`);
        expect(page.items.length).toBeLessThanOrEqual(4);
        seen.push(...page.items.map((i) => i.customerId));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual([...profiles.keys()].sort());
      const { items } = await list('stage=awareness&limit=200');
      expect(items[0]).toMatchObject({
        stage: 'awareness',
        status: expect.any(String) as unknown,
        lastPosition: expect.any(Number) as unknown,
      });
    });
  });

  describe('validation', () => {
    const customerId = 'cust-loyal';
    it.each<[string, string]>([
      ['/v1/customers/bad%20id', 'customerId'],
      [`/v1/customers/${'x'.repeat(129)}`, 'customerId'],
      ['/v1/customers/bad!id/journey', 'customerId'],
      ['/v1/customers?stage=famous', 'stage'],
      ['/v1/customers?status=happy', 'status'],
      ['/v1/customers?emotion=joy', 'emotion'],
      ['/v1/customers?limit=0', 'limit'],
      ['/v1/customers?limit=201', 'limit'],
      ['/v1/customers?limit=1.5', 'limit'],
      ['/v1/customers?limit=ten', 'limit'],
      ['/v1/customers?limit=1&limit=2', 'limit'],
      ['/v1/customers?cursor=not-a-cursor', 'cursor'],
      [`/v1/customers?cursor=${encodeCursor('touchpoints', 5)}`, 'cursor'],
      [
        `/v1/customers/${customerId}/touchpoints?cursor=${encodeCursor('customers', 'a')}`,
        'cursor',
      ],
      [`/v1/customers/${customerId}/touchpoints?limit=500`, 'limit'],
      [`/v1/customers/${customerId}?minPosition=0`, 'minPosition'],
      [`/v1/customers/${customerId}?minPosition=-3`, 'minPosition'],
      [`/v1/customers/${customerId}?minPosition=1e3`, 'minPosition'],
      [`/v1/customers/${customerId}/emotion?minPosition=1&waitMs=30001`, 'waitMs'],
      [`/v1/customers/${customerId}/loyalty?colour=red`, 'colour'],
    ])('GET %s is 400 naming %s', async (url, path) => {
      await expectInvalid(url, path);
    });
  });

  describe('read-your-writes (minPosition)', () => {
    it('answers as soon as the projection applies the position', async () => {
      const touchpoints = [tp('cust-late', 0, 'purchase', { survey: { nps: 9 } })];
      const [position] = await record(touchpoints, false);
      const started = Date.now();
      const answer = http().get(`/v1/customers/cust-late?minPosition=${position}&waitMs=10000`);
      const projected = new Promise<number>((resolve, reject) => {
        setTimeout(() => {
          seedReadModel(db.pool, [
            { touchpoint: touchpoints[0] as Touchpoint, position: position ?? 0 },
          ])
            .then(() => resolve(Date.now()))
            .catch(reject);
        }, 300);
      });
      const [res, projectedAt] = await Promise.all([answer, projected]);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(JSON.parse(JSON.stringify(deriveProfile(touchpoints))));
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      // Answered once the row appeared, not at the end of the 10 s budget (the margin absorbs a
      // loaded machine; the projector's commit notification wakes the waiter at once).
      expect(Date.now() - projectedAt).toBeLessThan(5000);
    });

    it('answers 503 projection_not_caught_up after the bounded wait', async () => {
      const [position] = await record([tp('cust-never', 0, 'inquiry')], false);
      const started = Date.now();
      const res = await http()
        .get(`/v1/customers?status=active&minPosition=${position}&waitMs=400`)
        .expect(503);
      const elapsed = Date.now() - started;
      expect(res.body).toEqual({
        error: 'projection_not_caught_up',
        details: [
          { path: 'minPosition', message: expect.stringContaining(String(position)) as unknown },
        ],
      });
      // waitMs was honoured: not the 5 s default wait.
      expect(elapsed).toBeGreaterThanOrEqual(400);
      expect(elapsed).toBeLessThan(4500);
    });

    it('answers at once when the position is already applied', async () => {
      const res = await http().get('/v1/customers/cust-loyal/journey').expect(200);
      const { lastPosition } = res.body as { lastPosition: number };
      await http()
        .get(`/v1/customers/cust-loyal/loyalty?minPosition=${lastPosition}&waitMs=0`)
        .expect(200);
    });
  });

  describe('service', () => {
    it('answers health and the OpenAPI document', async () => {
      await http().get('/health/live').expect(200, { status: 'live' });
      const ready = await http().get('/health/ready').expect(200);
      expect(ready.body).toMatchObject({ status: 'ready', checks: { postgres: { status: 'up' } } });
      const docs = await http().get('/docs-json').expect(200);
      expect(Object.keys((docs.body as { paths: Body }).paths).sort()).toEqual([
        '/health/live',
        '/health/ready',
        '/metrics',
        '/v1/admin/audit',
        '/v1/admin/keys',
        '/v1/admin/keys/{keyId}',
        '/v1/admin/keys/{keyId}/rotate',
        '/v1/churn',
        '/v1/complaints',
        '/v1/customers',
        '/v1/customers/{customerId}',
        '/v1/customers/{customerId}/consents',
        '/v1/customers/{customerId}/emotion',
        '/v1/customers/{customerId}/export',
        '/v1/customers/{customerId}/journey',
        '/v1/customers/{customerId}/loyalty',
        '/v1/customers/{customerId}/readmission',
        '/v1/customers/{customerId}/touchpoints',
        '/v1/customers/{customerId}/value',
        '/v1/funnel',
        '/v1/metrics',
        '/v1/moments-of-truth',
        '/v1/perception-gap',
        '/v1/revenue',
      ]);
    });
  });
});
