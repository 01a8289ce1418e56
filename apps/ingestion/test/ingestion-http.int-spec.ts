import { randomUUID } from 'node:crypto';
import { createGzip, deflateSync, gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Consumer } from 'kafkajs';
import { Pool } from 'pg';
import request from 'supertest';
import { DUPLICATE_KEY_MESSAGE, TOPICS, TOUCHPOINT_FIELD_ORDER } from '@cx/contracts';
import { ApiKeyStore } from '@cx/event-store';
import { createKafka } from '@cx/messaging';
import { createHttpAdapter, HTTP_SERVER_LIMITS } from '@cx/platform';
import { IngestionConfig } from '../src/config/ingestion.config';
import { configureIngestionHttp } from '../src/ingestion.http';
import { until } from '../../../test/support/eventually';
import { rawHttp } from '../../../test/support/raw-http';
import { IngestionModule } from '../src/ingestion.module';

/** Everything this file sends carries this prefix, so other suites sharing the stack don't interfere. */
const run = `it-${randomUUID().slice(0, 8)}`;
const id = (name: string): string => `${run}-${name}`;

/** gzip of `mb` MiB of zero bytes, compressed as a stream so the test never holds the inflated size. */
async function gzipOfZeros(mb: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => parts.push(chunk));
  const ended = new Promise((resolve) => gzip.on('end', resolve));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mb; i += 1) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await ended;
  return Buffer.concat(parts);
}

function touchpoint(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    touchpointId: id(name),
    customerId: id('cust'),
    occurredAt: '2025-01-03T10:00:00Z',
    channel: 'chat',
    interaction: 'survey_response',
    survey: { nps: 9 },
    text: 'quick and friendly',
    ...extra,
  };
}

describe('ingestion HTTP API (real Postgres and Kafka)', () => {
  let app: INestApplication;
  let pool: Pool;
  let consumer: Consumer;
  /** touchpointId → how many messages on cx.touchpoints.v1 carried it. */
  const published = new Map<string, number>();
  const accepted = new Set<string>();
  const refused = new Set<string>();

  let key = '';
  const http = (): ReturnType<typeof request.agent> =>
    request.agent(app.getHttpServer() as Server).set('authorization', `Bearer ${key}`);
  const stored = async (touchpointId: string): Promise<number> => {
    const { rows } = await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM touchpoint_events WHERE touchpoint_id = $1',
      [touchpointId],
    );
    return Number(rows[0]?.n ?? 0);
  };

  /** The bytes exactly as given (supertest would serialise a Buffer sent as JSON). */
  async function postEncoded(
    path: string,
    encoding: string,
    bytes: Buffer,
  ): Promise<{ status: number; body: unknown }> {
    const address = (app.getHttpServer() as Server).address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${address.port}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'content-encoding': encoding,
      },
      body: bytes,
    });
    return { status: response.status, body: await response.json() };
  }

  async function expectRefused(
    body: unknown,
    status: number,
    error: string,
    paths: string[],
    url = '/v1/touchpoints',
  ): Promise<void> {
    const res = await http()
      .post(url)
      .send(body as object)
      .expect(status);
    expect(res.body).toEqual({ error, details: expect.any(Array) as unknown });
    expect((res.body as { details: { path: string }[] }).details.map((d) => d.path).sort()).toEqual(
      [...paths].sort(),
    );
  }

  beforeAll(async () => {
    const config = Object.assign(new IngestionConfig(), {
      DATABASE_URL: process.env.DATABASE_URL,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      PORT: 0,
      GRPC_PORT: 0,
      // The inbound topic is shared by every suite; this one tests REST only.
      CX_INBOUND: 'off',
    });
    const moduleRef = await Test.createTestingModule({
      imports: [IngestionModule.forRoot(config)],
    }).compile();
    app = moduleRef.createNestApplication(createHttpAdapter(), {
      bodyParser: false,
      logger: ['error', 'warn'],
    });
    configureIngestionHttp(app);
    // Listening, so that the raw-socket tests below reach the same server as supertest.
    await app.listen(0, '127.0.0.1');
    pool = new Pool({ connectionString: config.DATABASE_URL, max: 2 });
    key = (
      await new ApiKeyStore(pool).issue({ name: 'ingestion-http', scopes: ['touchpoints:write'] })
    ).key;

    consumer = createKafka(config.KAFKA_BROKERS, `${run}-observer`, { logLevel: 'error' }).consumer(
      {
        groupId: `${run}-observer`,
      },
    );
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.touchpoints, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const ceId = message.headers?.ce_id?.toString();
        if (ceId?.startsWith(run)) published.set(ceId, (published.get(ceId) ?? 0) + 1);
        return Promise.resolve();
      },
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await pool?.end();
    await app?.close();
  });

  describe('POST /v1/touchpoints', () => {
    it('accepts a touchpoint, then answers the same payload as a duplicate at the same position', async () => {
      const first = await http().post('/v1/touchpoints').send(touchpoint('single')).expect(202);
      expect(first.body).toEqual({
        touchpointId: id('single'),
        status: 'accepted',
        position: expect.any(Number) as unknown,
      });
      accepted.add(id('single'));

      // Same data: other key order, the same instant written with an offset, the category spelt out.
      const again = {
        category: 'interactive',
        ...touchpoint('single', { occurredAt: '2025-01-03T11:00:00+01:00' }),
      };
      const second = await http().post('/v1/touchpoints').send(again).expect(202);
      expect(second.body).toEqual({ ...(first.body as object), status: 'duplicate' });
      expect(await stored(id('single'))).toBe(1);
    });

    it('refuses another payload under a stored id with 409, and keeps the first', async () => {
      const res = await http()
        .post('/v1/touchpoints')
        .send(touchpoint('single', { survey: { nps: 2 } }))
        .expect(409);
      expect(res.body).toEqual({
        error: 'conflict',
        details: [
          { path: 'touchpointId', message: expect.stringContaining(id('single')) as unknown },
        ],
      });
      const { rows } = await pool.query<{ payload: { survey: { nps: number } } }>(
        'SELECT payload FROM touchpoint_events WHERE touchpoint_id = $1',
        [id('single')],
      );
      expect(rows.map((r) => r.payload.survey.nps)).toEqual([9]);
    });

    it.each<[string, Record<string, unknown>, string[]]>([
      ['unknown field', { colour: 'red' }, ['colour']],
      ['unknown nested field', { survey: { nps: 9, stars: 5 } }, ['survey.stars']],
      ['wrong type', { momentOfTruth: 'yes' }, ['momentOfTruth']],
      ['out of range', { survey: { nps: 11 } }, ['survey.nps']],
      ['category against channel', { category: 'human' }, ['category']],
      ['missing complaint ids', { interaction: 'complaint_opened' }, ['complaintId', 'reason']],
      ['missing commitmentId', { interaction: 'commitment_kept' }, ['commitmentId']],
      ['value on a non-purchase', { value: { amount: 1, currency: 'EUR' } }, ['value']],
      [
        'occurredAt in the future',
        { occurredAt: new Date(Date.now() + 3600_000).toISOString() },
        ['occurredAt'],
      ],
      ['occurredAt without offset', { occurredAt: '2025-01-03T10:00:00' }, ['occurredAt']],
      ['text too long', { text: 'x'.repeat(4001) }, ['text']],
      ['NUL character', { text: 'a\u0000b' }, ['text']],
      ['bad id', { customerId: 'a b' }, ['customerId']],
    ])('refuses %s with 400 and the path, storing nothing', async (name, extra, paths) => {
      const body = touchpoint(`bad-${name.replace(/\W+/g, '-')}`, extra);
      refused.add(String(body.touchpointId));
      await expectRefused(body, 400, 'invalid_touchpoint', paths);
      expect(await stored(String(body.touchpointId))).toBe(0);
    });

    it('refuses a body that is not an object', async () => {
      await expectRefused([touchpoint('array')], 400, 'invalid_touchpoint', ['']);
    });

    it('refuses malformed JSON with 400 at path ""', async () => {
      const res = await http()
        .post('/v1/touchpoints')
        .set('Content-Type', 'application/json')
        .send(`{"touchpointId": "${id('malformed')}",`)
        .expect(400);
      expect(res.body).toEqual({
        error: 'malformed_json',
        details: [{ path: '', message: expect.stringMatching(/^malformed JSON/) as unknown }],
      });
      expect(await stored(id('malformed'))).toBe(0);
    });

    it('refuses another content type with 415', async () => {
      const res = await http()
        .post('/v1/touchpoints')
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify(touchpoint('text-plain')))
        .expect(415);
      expect(res.body).toMatchObject({ error: 'unsupported_media_type', details: [{ path: '' }] });
      expect(await stored(id('text-plain'))).toBe(0);
    });

    it.each([
      ['gzip', gzipSync],
      ['deflate', deflateSync],
    ])('reads a %s body within the same limits', async (encoding, encode) => {
      const name = `encoded-${encoding}`;
      accepted.add(id(name));
      const res = await postEncoded(
        '/v1/touchpoints',
        encoding,
        encode(Buffer.from(JSON.stringify(touchpoint(name)), 'utf8')),
      );
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ touchpointId: id(name), status: 'accepted' });
      expect(await stored(id(name))).toBe(1);
    });

    it('refuses a body that is not what its Content-Encoding says with 400, an unknown one with 415', async () => {
      const plain = Buffer.from(JSON.stringify(touchpoint('not-gzip')), 'utf8');
      refused.add(id('not-gzip'));
      const corrupt = await postEncoded('/v1/touchpoints', 'gzip', plain);
      expect(corrupt).toMatchObject({ status: 400, body: { error: 'unreadable_body' } });
      const brotli = await postEncoded('/v1/touchpoints', 'br', plain);
      expect(brotli).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
      expect(await stored(id('not-gzip'))).toBe(0);
    });

    it('refuses a gzip bomb (1 MB that inflates to 1 GB) with 413 without inflating it', async () => {
      const bomb = await gzipOfZeros(1024);
      expect(bomb.length).toBeLessThan(1.1 * 1024 * 1024);
      const rssBefore = process.memoryUsage().rss;
      const started = performance.now();
      const res = await postEncoded('/v1/touchpoints/batch', 'gzip', bomb);
      expect(res.status).toBe(413);
      const ms = performance.now() - started;
      const grewMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
      expect(res.body).toMatchObject({ error: 'payload_too_large' });
      // The service and this test share a process: its memory is what the refusal cost.
      expect(grewMb).toBeLessThan(64);
      console.log(
        `gzip bomb of ${bomb.length} bytes refused in ${ms.toFixed(0)} ms, rss +${grewMb.toFixed(1)} MB`,
      );
    });

    it('refuses a body over 1 MB with 413', async () => {
      const body = touchpoint('huge', { source: 'x'.repeat(1024 * 1024) });
      refused.add(id('huge'));
      const res = await http().post('/v1/touchpoints').send(body).expect(413);
      expect(res.body).toMatchObject({ error: 'payload_too_large', details: [{ path: '' }] });
      expect(await stored(id('huge'))).toBe(0);
    });
  });

  describe('POST /v1/touchpoints/batch', () => {
    it('stores a batch in one go with per-item results: accepted, duplicate, conflict', async () => {
      const items = [
        touchpoint('b0'),
        touchpoint('single'), // stored above, same payload
        touchpoint('single', { survey: { nps: 0 } }), // stored above, other payload
        touchpoint('b1', {
          interaction: 'complaint_opened',
          complaintId: 'c-1',
          reason: 'delay',
          survey: undefined,
        }),
      ];
      const res = await http()
        .post('/v1/touchpoints/batch')
        .send({ touchpoints: items })
        .expect(202);
      const body = res.body as {
        results: { touchpointId: string; status: string; position: number | null }[];
        summary: object;
      };
      expect(body.results.map((r) => [r.touchpointId, r.status])).toEqual([
        [id('b0'), 'accepted'],
        [id('single'), 'duplicate'],
        [id('single'), 'conflict'],
        [id('b1'), 'accepted'],
      ]);
      expect(body.summary).toEqual({ accepted: 2, duplicate: 1, conflict: 1 });
      expect(body.results.every((r) => typeof r.position === 'number')).toBe(true);
      accepted.add(id('b0'));
      accepted.add(id('b1'));
      expect(await stored(id('single'))).toBe(1);
    });

    it('refuses the whole batch when one item is invalid, naming it, and stores nothing', async () => {
      const items = [0, 1, 2, 3, 4].map((i) =>
        touchpoint(`nb${i}`, i === 3 ? { survey: { nps: 42 } } : {}),
      );
      items.forEach((t) => refused.add(String(t.touchpointId)));
      const res = await http()
        .post('/v1/touchpoints/batch')
        .send({ touchpoints: items })
        .expect(400);
      expect(res.body).toEqual({
        error: 'invalid_batch',
        details: [
          { path: 'touchpoints[3].survey.nps', message: 'must be an integer from 0 to 10' },
        ],
      });
      for (const t of items) expect(await stored(String(t.touchpointId))).toBe(0);
    });

    it.each<[string, unknown, string[]]>([
      ['an empty batch', { touchpoints: [] }, ['touchpoints']],
      ['no array', { touchpoints: 'x' }, ['touchpoints']],
      [
        'an unknown top-level field',
        { touchpoints: [{}], extra: true },
        [
          'extra',
          'touchpoints[0]',
          'touchpoints[0]',
          'touchpoints[0]',
          'touchpoints[0]',
          'touchpoints[0]',
        ],
      ],
    ])('refuses %s', async (_name, body, paths) => {
      const res = await http()
        .post('/v1/touchpoints/batch')
        .send(body as object)
        .expect(400);
      const got = (res.body as { details: { path: string }[] }).details.map((d) =>
        d.path.replace(/\..*$/, ''),
      );
      expect(got.sort()).toEqual(paths.sort());
    });

    it('refuses 1,001 items, and accepts 1,000', async () => {
      const many = Array.from({ length: 1001 }, (_, i) => touchpoint(`m${i}`));
      await expectRefused(
        { touchpoints: many },
        400,
        'invalid_batch',
        ['touchpoints'],
        '/v1/touchpoints/batch',
      );
      expect(await stored(id('m0'))).toBe(0);
      const res = await http()
        .post('/v1/touchpoints/batch')
        .send({ touchpoints: many.slice(0, 1000) })
        .expect(202);
      expect((res.body as { summary: object }).summary).toEqual({
        accepted: 1000,
        duplicate: 0,
        conflict: 0,
      });
      many.slice(0, 1000).forEach((t) => accepted.add(String(t.touchpointId)));
    });

    it('refuses a batch body over 5 MB with 413', async () => {
      const big = Array.from({ length: 1000 }, (_, i) =>
        touchpoint(`big${i}`, {
          text: 'x'.repeat(4000),
          source: 'y'.repeat(128),
          touchpointName: 'z'.repeat(1000),
        }),
      );
      big.forEach((t) => refused.add(String(t.touchpointId)));
      const res = await http().post('/v1/touchpoints/batch').send({ touchpoints: big }).expect(413);
      expect(res.body).toMatchObject({ error: 'payload_too_large' });
      expect(await stored(id('big0'))).toBe(0);
    });
  });

  describe('hostile bytes', () => {
    const port = (): number => ((app.getHttpServer() as Server).address() as AddressInfo).port;
    /** Sends `body` byte for byte (superagent would serialise a Buffer as JSON). */
    const postRaw = (body: string | Buffer, url = '/v1/touchpoints'): request.Test =>
      http()
        .post(url)
        .set('Content-Type', 'application/json')
        .serialize((raw: unknown) => raw as string)
        .send(body);
    const json = (value: Record<string, unknown>): string => JSON.stringify(value);
    const details = (res: { body: unknown }): { path: string; message: string }[] =>
      (res.body as { details: { path: string; message: string }[] }).details;

    it('refuses a lone surrogate escape in a string with 400 and the field path, storing nothing', async () => {
      const body = touchpoint('lone-surrogate');
      refused.add(String(body.touchpointId));
      // JSON.stringify writes the lone surrogate as the escape \ud800, exactly as in the issue.
      const text = json({ ...body, touchpointName: 'a\ud800b' });
      expect(text).toContain('"touchpointName":"a\\ud800b"');
      const res = await postRaw(text).expect(400);
      expect(res.body).toEqual({
        error: 'invalid_touchpoint',
        details: [
          { path: 'touchpointName', message: 'must not contain unpaired UTF-16 surrogates' },
        ],
      });
      expect(await stored(String(body.touchpointId))).toBe(0);
    });

    it('refuses a lone surrogate in one batch item with 400 naming the item, storing no item', async () => {
      const items = [0, 1, 2, 3, 4].map((i) =>
        touchpoint(`ls-b${i}`, i === 3 ? { touchpointName: 'a\ud800b' } : {}),
      );
      items.forEach((t) => refused.add(String(t.touchpointId)));
      const res = await postRaw(json({ touchpoints: items }), '/v1/touchpoints/batch').expect(400);
      expect(res.body).toEqual({
        error: 'invalid_batch',
        details: [
          {
            path: 'touchpoints[3].touchpointName',
            message: 'must not contain unpaired UTF-16 surrogates',
          },
        ],
      });
      for (const t of items) expect(await stored(String(t.touchpointId))).toBe(0);
    });

    it('refuses lone surrogates in nested values and keys, writing the key out as text', async () => {
      const body = touchpoint('ls-nested', {
        attributes: { note: 'x\udc00', 'k\ud800': 'v' },
      });
      refused.add(String(body.touchpointId));
      const res = await postRaw(json(body)).expect(400);
      expect((res.body as { error: string }).error).toBe('invalid_touchpoint');
      expect(details(res)).toEqual(
        expect.arrayContaining([
          { path: 'attributes.note', message: 'must not contain unpaired UTF-16 surrogates' },
          {
            path: 'attributes.k\\ud800',
            message: 'field names must not contain unpaired UTF-16 surrogates',
          },
        ]),
      );
      // The answer itself holds no lone surrogate, not even as an escape.
      for (const d of details(res)) expect(/\p{Surrogate}/u.test(d.path)).toBe(false);
      expect(await stored(String(body.touchpointId))).toBe(0);
    });

    it.each<[string, Buffer]>([
      ['a Latin-1 byte (é as 0xE9)', Buffer.from([0xe9])],
      ['a stray continuation byte', Buffer.from([0x80])],
      ['an overlong "/" (0xC0 0xAF)', Buffer.from([0xc0, 0xaf])],
      ['a UTF-8-encoded surrogate (0xED 0xA0 0x80)', Buffer.from([0xed, 0xa0, 0x80])],
      ['a truncated sequence (0xE2 0x82)', Buffer.from([0xe2, 0x82])],
      ['0xFF', Buffer.from([0xff])],
    ])(
      'refuses invalid UTF-8 (%s) with 400 invalid_encoding instead of storing U+FFFD',
      async (name, bad) => {
        const body = touchpoint(`utf8-${name.replace(/\W+/g, '-')}`, { text: 'caf' });
        refused.add(String(body.touchpointId));
        const [head, tail] = json(body).split('"text":"caf') as [string, string];
        const before = Buffer.from(`${head}"text":"caf`);
        const bytes = Buffer.concat([before, bad, Buffer.from(tail)]);
        const res = await postRaw(bytes).expect(400);
        expect(res.body).toEqual({
          error: 'invalid_encoding',
          details: [
            {
              path: '',
              message: expect.stringMatching(
                new RegExp(`^request body is not valid UTF-8: .+ at byte ${before.length}$`),
              ) as unknown,
            },
          ],
        });
        expect(await stored(String(body.touchpointId))).toBe(0);
      },
    );

    it('refuses a key given twice (customerId) with 400 duplicate_key, storing nothing', async () => {
      const body = touchpoint('dup-customer');
      refused.add(String(body.touchpointId));
      const text = json(body).replace(/}$/, `,"customerId":"${id('someone-else')}"}`);
      const res = await postRaw(text).expect(400);
      expect(res.body).toEqual({
        error: 'duplicate_key',
        details: [{ path: 'customerId', message: DUPLICATE_KEY_MESSAGE }],
      });
      expect(await stored(String(body.touchpointId))).toBe(0);
    });

    it('refuses a key repeated through an escape ("customer\\u0049d")', async () => {
      const body = touchpoint('dup-escaped');
      refused.add(String(body.touchpointId));
      const text = json(body).replace(/}$/, ',"customer\\u0049d":"x"}');
      const res = await postRaw(text).expect(400);
      expect(details(res)).toEqual([{ path: 'customerId', message: DUPLICATE_KEY_MESSAGE }]);
      expect(await stored(String(body.touchpointId))).toBe(0);
    });

    it('refuses duplicate keys at depth in a batch, naming every one, storing no item', async () => {
      const items = [0, 1, 2].map((i) => touchpoint(`dup-b${i}`));
      items.forEach((t) => refused.add(String(t.touchpointId)));
      const text = json({ touchpoints: items })
        .replace(`"touchpointId":"${id('dup-b1')}"`, `$&,"survey":{"nps":1,"nps":9}`)
        .replace(/}$/, ',"touchpoints":[]}');
      const res = await postRaw(text, '/v1/touchpoints/batch').expect(400);
      expect((res.body as { error: string }).error).toBe('duplicate_key');
      expect(details(res).map((d) => d.path)).toEqual([
        'touchpoints[1].survey.nps',
        'touchpoints[1].survey',
        'touchpoints',
      ]);
      for (const t of items) expect(await stored(String(t.touchpointId))).toBe(0);
    });

    it('answers a 64 KB header with 431 and the JSON error body', async () => {
      const res = await http()
        .post('/v1/touchpoints')
        .set('X-Padding', 'x'.repeat(64 * 1024))
        .send(touchpoint('big-header'))
        .expect(431);
      refused.add(id('big-header'));
      expect(res.headers['connection']).toBe('close');
      expect(res.body).toEqual({
        error: 'headers_too_large',
        details: [
          {
            path: '',
            message: `request line and headers larger than ${HTTP_SERVER_LIMITS.maxHeaderBytes} bytes`,
          },
        ],
      });
      expect(await stored(id('big-header'))).toBe(0);
    });

    it('answers an 8 MB header sent at once with a clean 431, not a connection reset', async () => {
      const answer = await rawHttp(
        port(),
        `POST /v1/touchpoints HTTP/1.1\r\nHost: x\r\nX-Padding: ${'x'.repeat(8 << 20)}\r\n\r\n`,
      );
      expect(answer.error).toBeUndefined();
      expect(answer.status).toBe(431);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'headers_too_large' });
    });

    it.each([
      ['garbage', '\u0000\u0001 hello\r\n\r\n'],
      ['a bad request line', 'GET /v1/touchpoints HTTP/9.9.9\r\n\r\n'],
      ['a space in the target', 'GET /v1/touch points HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['a header without a colon', 'GET / HTTP/1.1\r\nHost x\r\n\r\n'],
      [
        'a bad chunk size',
        'POST /v1/touchpoints HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      ],
      [
        'Content-Length and chunked',
        'POST /v1/touchpoints HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ],
    ])('answers %s with 400 and the JSON error body', async (_name, text) => {
      const answer = await rawHttp(port(), text);
      expect(answer.error).toBeUndefined();
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({
        error: 'bad_request',
        details: [{ path: '', message: 'malformed HTTP request' }],
      });
    });

    it('answers an HTTP/1.1 request without Host with 400 and the JSON error body; HTTP/1.0 needs none', async () => {
      const without = await rawHttp(port(), 'GET /health/live HTTP/1.1\r\n\r\n');
      expect(without.status).toBe(400);
      expect(JSON.parse(without.body)).toEqual({
        error: 'bad_request',
        details: [{ path: '', message: 'an HTTP/1.1 request needs a Host header' }],
      });
      const old = await rawHttp(port(), 'GET /health/live HTTP/1.0\r\n\r\n');
      expect(old.status).toBe(200);
    });

    it('is still alive after all of it', async () => {
      await http().get('/health/live').expect(200, { status: 'live' });
    });
  });

  describe('edges', () => {
    it('answers an unknown route with 404 and the error body', async () => {
      const res = await http().get('/v1/nothing-here').expect(404);
      expect(res.body).toMatchObject({ error: 'not_found', details: [{ path: '' }] });
    });

    it('is live, and ready with the relay status', async () => {
      await http().get('/health/live').expect(200, { status: 'live' });
      const res = await http().get('/health/ready').expect(200);
      expect(res.body).toMatchObject({
        status: 'ready',
        checks: { postgres: { status: 'up' }, kafka: { status: 'up' } },
        relay: {
          behind: expect.any(Number) as unknown,
          lastPublishedPosition: expect.any(Number) as unknown,
        },
      });
      expect(res.body).toHaveProperty('relay.oldestUnpublishedAgeSeconds');
    });

    it('documents every touchpoint field at /docs-json', async () => {
      const res = await http().get('/docs-json').expect(200);
      const doc = res.body as {
        paths: Record<string, unknown>;
        components: { schemas: Record<string, { properties: Record<string, unknown> }> };
      };
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/v1/touchpoints', '/v1/touchpoints/batch', '/health/ready']),
      );
      expect(
        Object.keys(doc.components.schemas.TouchpointRequestDto?.properties ?? {}).sort(),
      ).toEqual([...TOUCHPOINT_FIELD_ORDER].sort());
      await http().get('/docs').expect(200);
    });
  });

  it('published every accepted touchpoint exactly once and nothing refused', async () => {
    await until('the relay to publish the accepted touchpoints', () =>
      [...accepted].every((tp) => published.has(tp)),
    );
    for (const tp of accepted) expect(published.get(tp)).toBe(1);
    for (const tp of refused) expect(published.has(tp)).toBe(false);
    expect([...published.keys()].filter((tp) => !accepted.has(tp))).toEqual([]);
  });
});
