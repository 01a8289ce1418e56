import { Controller, type Type } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import {
  HealthController,
  type NamedProbes,
  type ProbeResults,
  type ReadinessExtras,
} from './health-controller';

type Probe = 'postgres' | 'kafka';

const down = (): Promise<never> => Promise.reject(new Error('connection refused'));
const up = (): Promise<void> => Promise.resolve();

function fakeResponse() {
  const statuses: number[] = [];
  return { statuses, res: { status: (code: number) => statuses.push(code) } };
}

/** Probes and extras set per test; the class is what a service would write. */
let probes: NamedProbes<Probe> = { postgres: up, kafka: up };
let extras: ((results: ProbeResults<Probe>) => ReadinessExtras) | undefined;

@Controller()
class ExampleHealth extends HealthController<Probe>({
  summary: 'Readiness: the example answers',
  description: 'Also reports extras.',
  unavailable: 'A dependency does not answer; same body.',
}) {
  protected probes(): NamedProbes<Probe> {
    return probes;
  }

  protected override extras(results: ProbeResults<Probe>): Promise<ReadinessExtras> {
    return extras ? Promise.resolve(extras(results)) : super.extras(results);
  }
}

@Controller()
class OtherHealth extends HealthController<'postgres'>({
  summary: 'Readiness: another service',
  unavailable: 'Postgres does not answer; same body.',
}) {
  protected probes(): NamedProbes<'postgres'> {
    return { postgres: up };
  }
}

describe('HealthController', () => {
  beforeEach(() => {
    probes = { postgres: up, kafka: up };
    extras = undefined;
  });

  it('is live without checking anything', () => {
    expect(new ExampleHealth().live()).toEqual({ status: 'live' });
  });

  it('answers 200 with the probes when they are all up', async () => {
    const { statuses, res } = fakeResponse();
    const body = await new ExampleHealth().ready(res);
    expect(statuses).toEqual([200]);
    expect(body).toEqual({
      status: 'ready',
      checks: {
        postgres: { status: 'up', latencyMs: expect.any(Number) as unknown },
        kafka: { status: 'up', latencyMs: expect.any(Number) as unknown },
      },
    });
  });

  it('answers 503 with the same body when a probe is down', async () => {
    probes = { postgres: up, kafka: down };
    const { statuses, res } = fakeResponse();
    const body = await new ExampleHealth().ready(res);
    expect(statuses).toEqual([503]);
    expect(body).toMatchObject({
      status: 'not_ready',
      checks: { kafka: { status: 'down', error: 'connection refused' } },
    });
  });

  it('adds the extras after the probes, from their results, in the order given', async () => {
    probes = { postgres: down, kafka: up };
    extras = (results) => ({
      fields: { relay: results.postgres.status === 'up' ? { behind: 0 } : null, lag: 3 },
      checks: { consumer: { joined: true } },
    });
    const { statuses, res } = fakeResponse();
    const body = await new ExampleHealth().ready(res);
    expect(statuses).toEqual([503]);
    expect(Object.keys(body)).toEqual(['status', 'checks', 'relay', 'lag']);
    expect(Object.keys(body.checks)).toEqual(['postgres', 'kafka', 'consumer']);
    expect(body).toMatchObject({ relay: null, lag: 3, checks: { consumer: { joined: true } } });
  });

  it('is not ready when an extra check fails although every probe is up', async () => {
    extras = () => ({ checks: { consumer: { joined: false } }, ready: false });
    const { statuses, res } = fakeResponse();
    const body = await new ExampleHealth().ready(res);
    expect(statuses).toEqual([503]);
    expect(body.status).toBe('not_ready');
  });

  describe('routes', () => {
    /** Builds the OpenAPI document of one controller; the app never listens. */
    async function documentOf(controller: Type): Promise<OpenAPIObject> {
      const moduleRef = await Test.createTestingModule({ controllers: [controller] }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
      await app.close();
      return document;
    }

    it('serves /health/live and /health/ready, tagged health, open, with readable operation ids', async () => {
      const { paths } = await documentOf(ExampleHealth);
      expect(Object.keys(paths)).toEqual(['/health/live', '/health/ready']);
      expect(paths['/health/live']?.get).toMatchObject({
        operationId: 'getLiveness',
        summary: 'Liveness: the process answers',
        tags: ['health'],
        security: [{}],
      });
      expect(paths['/health/ready']?.get).toMatchObject({
        operationId: 'getReadiness',
        summary: 'Readiness: the example answers',
        description: 'Also reports extras.',
        tags: ['health'],
        security: [{}],
        responses: {
          200: { description: 'Ready.' },
          431: { description: 'Request line and headers over the limit.' },
          503: { description: 'A dependency does not answer; same body.' },
        },
      });
    });

    it('keeps each service its own readiness description, a general one by default', async () => {
      const { paths } = await documentOf(OtherHealth);
      expect(paths['/health/ready']?.get).toMatchObject({
        summary: 'Readiness: another service',
        responses: { 503: { description: 'Postgres does not answer; same body.' } },
      });
      expect(paths['/health/ready']?.get?.description).toBe(
        'Each dependency is probed; the body names each result.',
      );
    });
  });
});
