import { status as Status } from '@grpc/grpc-js';
import type { AuditEntry, AuditLog } from '@cx/event-store';
import { bearer, connect, listServices, unary } from '../../../../test/grpc/support/grpc-client';
import { AccessControl } from '../auth/access-control';
import type { Authenticator } from '../auth/authenticator';
import { AppException } from '../errors/app.exception';
import { ErrorKind } from '../errors/error-kind';
import { GrpcEdge, peerAddress, type GrpcMethod } from './grpc-edge';

/** Resolves once `condition` holds, polling; fails after 5 s. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('peerAddress', () => {
  it.each([
    ['127.0.0.1:51234', '127.0.0.1'],
    ['[::1]:51234', '::1'],
    ['ipv4:10.0.0.7:443', '10.0.0.7'],
    ['ipv6:[2001:db8::1]:443', '2001:db8::1'],
    ['unix:/tmp/socket', 'unix:/tmp/socket'],
  ])('reads %s as the address %s, as HTTP counts refused credentials', (peer, address) => {
    expect(peerAddress(peer)).toBe(address);
  });
});

describe('GrpcEdge (a real server on a free port, access control off)', () => {
  const audited: AuditEntry[] = [];
  const audit = {
    record: (entry: AuditEntry) => {
      audited.push(entry);
      return Promise.resolve();
    },
  } as unknown as AuditLog;
  const access = new AccessControl({} as Authenticator, {
    enabled: false,
    service: 'test',
    perCredential: { perSecond: 10, burst: 10 },
    failuresPerMinute: 10,
  });
  const method = (handle: GrpcMethod['handle']): GrpcMethod =>
    ({ kind: 'unary', scopes: ['touchpoints:write'], handle }) as GrpcMethod;
  let edge: GrpcEdge;
  let address: string;

  beforeAll(async () => {
    edge = new GrpcEdge({
      name: 'test',
      host: '127.0.0.1',
      port: 0,
      maxReceiveBytes: 64 * 1024,
      maxSendBytes: 64 * 1024,
      access,
      audit,
      shutdownGraceMs: 500,
      bindings: [
        {
          service: 'cx.journey.v1.TouchpointIngestion',
          methods: {
            Record: {
              kind: 'unary',
              scopes: ['touchpoints:write'],
              maxRequestBytes: 1024,
              audit: { action: 'test.record', customerId: () => 'c-1' },
              handle: (request) =>
                Promise.resolve({
                  touchpointId: (request as { touchpointId: string }).touchpointId,
                  status: 'accepted',
                  position: 7,
                }),
            },
            RecordBatch: method(() => {
              throw new AppException('invalid_batch', ErrorKind.InvalidArgument, 'invalid batch', [
                { path: 'touchpoints[0].channel', message: 'must be one of web, chat' },
              ]);
            }),
            RecordStream: {
              kind: 'clientStream',
              scopes: ['touchpoints:write'],
              handle: () => Promise.reject(new Error('a bug')),
            },
          },
        },
      ],
    });
    address = `127.0.0.1:${await edge.start()}`;
  });

  afterAll(async () => {
    await edge.stop();
  });

  it('binds a free port for 0, answers health, and reflects only its own services', async () => {
    expect(edge.port).toBeGreaterThan(0);
    const health = connect('health', address);
    expect(await unary(health, 'Check', { service: '' })).toEqual({
      ok: true,
      value: { status: 'SERVING' },
    });
    health.close();
    expect(await listServices(address)).toEqual([
      'cx.journey.v1.TouchpointIngestion',
      'grpc.health.v1.Health',
    ]);
  });

  it('runs a handler as the anonymous principal, audited', async () => {
    const client = connect('ingestion', address);
    const answer = await unary(client, 'Record', { touchpointId: 'tp-1' }, bearer(null));
    expect(answer).toEqual({
      ok: true,
      value: { touchpointId: 'tp-1', status: 'accepted', position: 7 },
    });
    expect(audited).toEqual([
      expect.objectContaining({
        actorId: 'anonymous',
        action: 'test.record',
        method: 'GRPC',
        path: '/cx.journey.v1.TouchpointIngestion/Record',
        customerId: 'c-1',
        status: 200,
      }),
    ]);
    client.close();
  });

  it('maps errors: issues to INVALID_ARGUMENT, a bug to a bare INTERNAL, size to RESOURCE_EXHAUSTED', async () => {
    const client = connect('ingestion', address);
    expect(await unary(client, 'RecordBatch', { touchpoints: [] })).toMatchObject({
      ok: false,
      code: Status.INVALID_ARGUMENT,
      reason: 'invalid_batch',
      issues: [{ path: 'touchpoints[0].channel', message: 'must be one of web, chat' }],
    });
    const tooLarge = await unary(client, 'Record', {
      touchpointId: 'tp',
      source: 'x'.repeat(2000),
    });
    expect(tooLarge).toMatchObject({
      ok: false,
      code: Status.RESOURCE_EXHAUSTED,
      reason: 'payload_too_large',
      issues: [{ path: '', message: 'request body larger than 1024 bytes' }],
    });
    const overServer = await unary(client, 'RecordBatch', {
      touchpoints: [{ text: 'x'.repeat(70_000) }],
    });
    expect(overServer).toMatchObject({ ok: false, code: Status.RESOURCE_EXHAUSTED });
    client.close();
  });
});

describe('GrpcEdge shutdown', () => {
  it('reports NOT_SERVING at once, lets a call in flight finish, then cuts what is left', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const handling = new Promise<void>((resolve) => (entered = resolve));
    const edge = new GrpcEdge({
      name: 'shutdown',
      host: '127.0.0.1',
      port: 0,
      maxReceiveBytes: 1024,
      maxSendBytes: 1024,
      access: new AccessControl({} as Authenticator, {
        enabled: false,
        service: 'test',
        perCredential: { perSecond: 10, burst: 10 },
        failuresPerMinute: 10,
      }),
      audit: {} as AuditLog,
      shutdownGraceMs: 1000,
      bindings: [
        {
          service: 'cx.journey.v1.TouchpointIngestion',
          methods: {
            Record: {
              kind: 'unary',
              scopes: ['touchpoints:write'],
              handle: async () => {
                entered();
                await held;
                return { touchpointId: 'tp-1', status: 'accepted', position: 1 };
              },
            },
            RecordBatch: { kind: 'unary', scopes: [], handle: () => Promise.resolve({}) },
            RecordStream: { kind: 'clientStream', scopes: [], handle: () => Promise.resolve({}) },
          },
        },
      ],
    });
    const address = `127.0.0.1:${await edge.start()}`;
    const health = connect('health', address);
    const watch = (
      health as unknown as Record<string, (request: object) => NodeJS.EventEmitter>
    ).Watch?.call(health, { service: '' });
    const statuses: string[] = [];
    watch?.on('data', (answer: { status: string }) => statuses.push(answer.status));
    watch?.on('error', () => undefined);
    const client = connect('ingestion', address);
    const inFlight = unary(client, 'Record', {});
    await handling;
    await until(() => statuses.length >= 1);

    const stopped = edge.stop();
    await until(() => statuses.length >= 2);
    expect(statuses).toEqual(['SERVING', 'NOT_SERVING']);
    release();
    expect(await inFlight).toMatchObject({ ok: true, value: { status: 'accepted' } });
    // The watch never ends by itself: the grace period runs out and it is cut.
    const started = Date.now();
    await stopped;
    expect(Date.now() - started).toBeLessThan(2000);
    client.close();
    health.close();
  });
});
