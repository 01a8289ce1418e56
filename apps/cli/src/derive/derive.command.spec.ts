import { PassThrough, Readable } from 'node:stream';
import { DEFAULT_JOURNEY_DEFINITION, deriveProfile, type Touchpoint } from '@cx/domain';
import { runDerive, type DeriveSummary } from './derive.command';

const NOW = new Date('2026-01-01T00:00:00Z');

function line(fields: Record<string, unknown>): string {
  return JSON.stringify({
    touchpointId: 't-1',
    customerId: 'c-1',
    occurredAt: '2025-03-01T10:00:00Z',
    channel: 'web',
    interaction: 'inquiry',
    ...fields,
  });
}

async function derive(
  text: string,
  withHistory = false,
): Promise<{ out: string[]; err: string[]; summary: DeriveSummary }> {
  const output = new PassThrough();
  const errors = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  output.on('data', (c: Buffer) => out.push(c.toString()));
  errors.on('data', (c: Buffer) => err.push(c.toString()));
  const summary = await runDerive({
    input: Readable.from([text]),
    output,
    errors,
    definition: DEFAULT_JOURNEY_DEFINITION,
    withHistory,
    now: NOW,
  });
  return {
    out: out.join('').split('\n').filter(Boolean),
    err: err.join('').split('\n').filter(Boolean),
    summary,
  };
}

describe('cx derive', () => {
  it('prints one profile per customer, sorted by customerId, equal to the domain profile', async () => {
    const lines = [
      line({ touchpointId: 'b-1', customerId: 'c-b', interaction: 'exposure' }),
      line({ touchpointId: 'a-1', customerId: 'c-a', interaction: 'purchase' }),
      line({
        touchpointId: 'a-2',
        customerId: 'c-a',
        occurredAt: '2025-03-02T10:00:00Z',
        interaction: 'survey_response',
        survey: { nps: 10, csat: 5 },
      }),
    ];
    const { out, err, summary } = await derive(lines.join('\n') + '\n');
    expect(err).toEqual([]);
    expect(summary).toEqual({ lines: 3, accepted: 3, invalid: 0, conflicts: 0, customers: 2 });
    const profiles = out.map((l) => JSON.parse(l) as { customerId: string; stage: string });
    expect(profiles.map((p) => p.customerId)).toEqual(['c-a', 'c-b']);
    const customerA: Touchpoint[] = lines
      .slice(1)
      .map((l): Touchpoint => ({ ...(JSON.parse(l) as Touchpoint), category: 'interactive' }))
      .map((t) => ({ ...t, occurredAt: new Date(t.occurredAt).toISOString() }));
    expect(profiles[0]).toEqual(JSON.parse(JSON.stringify(deriveProfile(customerA))));
    expect(profiles[0]?.stage).toBe('satisfaction');
    expect(profiles[1]?.stage).toBe('awareness');
  });

  it('reports an invalid line with its number and reason, skips it and counts it', async () => {
    const text = [
      line({ touchpointId: 'ok-1' }),
      '{not json',
      line({ touchpointId: 'bad-2', survey: { nps: 11 } }),
      '',
      line({ touchpointId: 'ok-2', occurredAt: '2025-03-03T10:00:00Z' }),
    ].join('\n');
    const { out, err, summary } = await derive(text);
    expect(summary).toMatchObject({ lines: 5, accepted: 2, invalid: 2, customers: 1 });
    expect(err[0]).toMatch(/^line 2: not valid JSON/);
    expect(err[1]).toMatch(/^line 3: survey\.nps: /);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0] ?? '{}')).toMatchObject({ customerId: 'c-1', touchpoints: 2 });
  });

  it('refuses a line with a duplicate key, as ingestion does, instead of keeping the last value', async () => {
    const twice = line({ touchpointId: 'dup-1' }).replace(
      '"customerId":"c-1"',
      '"customerId":"c-1","customerId":"c-2"',
    );
    expect(twice).toContain('"customerId":"c-2"');
    const { out, err, summary } = await derive([line({ touchpointId: 'ok-1' }), twice].join('\n'));
    expect(summary).toMatchObject({ lines: 2, accepted: 1, invalid: 1, customers: 1 });
    expect(err[0]).toMatch(/^line 2: customerId: duplicate key/);
    expect(out.map((o) => (JSON.parse(o) as { customerId: string }).customerId)).toEqual(['c-1']);
  });

  it('counts a repeated touchpoint once and reports a conflicting version, keeping the first', async () => {
    const first = line({ touchpointId: 'x', interaction: 'purchase' });
    const text = [first, first, line({ touchpointId: 'x', interaction: 'inquiry' })].join('\n');
    const { out, err, summary } = await derive(text);
    expect(summary).toMatchObject({ accepted: 3, invalid: 0, conflicts: 1, customers: 1 });
    expect(err).toEqual([expect.stringMatching(/^conflict: touchpoint x /)]);
    expect(JSON.parse(out[0] ?? '{}')).toMatchObject({ touchpoints: 1, stage: 'selection' });
  });

  it('adds the stage history on request', async () => {
    const text = [
      line({ touchpointId: 't-1', interaction: 'exposure' }),
      line({ touchpointId: 't-2', occurredAt: '2025-03-05T10:00:00Z', interaction: 'purchase' }),
    ].join('\n');
    const { out } = await derive(text, true);
    const profile = JSON.parse(out[0] ?? '{}') as { stageHistory: unknown };
    expect(JSON.stringify(profile.stageHistory)).toContain('"selection"');
    expect(JSON.stringify(profile.stageHistory)).toContain('"awareness"');
  });
});
