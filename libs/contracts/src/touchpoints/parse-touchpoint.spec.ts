import { parseTouchpoint, parseTouchpointBatch, type ValidationIssue } from './parse-touchpoint';

const now = new Date('2025-06-01T12:00:00.000Z');

function base(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    touchpointId: 'tp-1',
    customerId: 'cust-1',
    occurredAt: '2025-06-01T10:00:00Z',
    channel: 'chat',
    interaction: 'inquiry',
    ...overrides,
  };
}

function without(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = obj;
  return rest;
}

function issuesOf(input: unknown, path?: string): ValidationIssue[] {
  const r = parseTouchpoint(input, path === undefined ? { now } : { now, path });
  if (r.ok) throw new Error(`expected issues, got ${JSON.stringify(r.touchpoint)}`);
  return r.issues;
}

function pathsOf(input: unknown): string[] {
  return issuesOf(input).map((i) => i.path);
}

function accepts(input: unknown): void {
  const r = parseTouchpoint(input, { now });
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.issues)}`);
}

describe('parseTouchpoint', () => {
  describe('a valid touchpoint', () => {
    it('is normalised: UTC instants with milliseconds, category from the channel, fixed key order', () => {
      const r = parseTouchpoint(
        base({
          attributes: { queue: 'billing', vip: true },
          occurredAt: '2025-06-01T12:00:00+02:00',
          survey: { csat: 4, nps: 9 },
          direction: 'inbound',
          interaction: 'survey_response',
        }),
        { now },
      );
      expect(r).toEqual({
        ok: true,
        touchpoint: {
          touchpointId: 'tp-1',
          customerId: 'cust-1',
          occurredAt: '2025-06-01T10:00:00.000Z',
          channel: 'chat',
          category: 'interactive',
          direction: 'inbound',
          interaction: 'survey_response',
          survey: { nps: 9, csat: 4 },
          attributes: { queue: 'billing', vip: true },
        },
      });
      expect(r.ok && Object.keys(r.touchpoint)).toEqual([
        'touchpointId',
        'customerId',
        'occurredAt',
        'channel',
        'category',
        'direction',
        'interaction',
        'survey',
        'attributes',
      ]);
    });

    it('keeps a category that agrees with the channel', () => {
      const r = parseTouchpoint(base({ channel: 'sales', category: 'human' }), { now });
      expect(r.ok && r.touchpoint.category).toBe('human');
    });

    it('treats null on an optional field as absent', () => {
      const r = parseTouchpoint(base({ pillar: null, survey: null, text: null }), { now });
      expect(r).toEqual(parseTouchpoint(base(), { now }));
      expect(r.ok && Object.keys(r.touchpoint)).not.toContain('pillar');
    });

    it('accepts every interaction with the fields it needs', () => {
      accepts(base({ interaction: 'exposure', channel: 'advertising' }));
      accepts(base({ interaction: 'evaluation' }));
      accepts(base({ interaction: 'purchase', value: { amount: 129.9, currency: 'EUR' } }));
      accepts(base({ interaction: 'repurchase', value: { amount: 0, currency: 'USD' } }));
      accepts(base({ interaction: 'purchase' }));
      accepts(base({ interaction: 'referral' }));
      accepts(base({ interaction: 'survey_response', survey: { ces: 7 } }));
      accepts(base({ interaction: 'feedback', text: 'great' }));
      accepts(base({ interaction: 'feedback', sentiment: -1 }));
      accepts(base({ interaction: 'feedback', emotion: 'ecstasy' }));
      accepts(base({ interaction: 'complaint_opened', complaintId: 'c-1', reason: 'misleading' }));
      accepts(base({ interaction: 'complaint_resolved', complaintId: 'c-1' }));
      accepts(
        base({
          interaction: 'commitment_made',
          commitmentId: 'k-1',
          dueAt: '2030-01-01T00:00:00Z',
        }),
      );
      accepts(base({ interaction: 'commitment_kept', commitmentId: 'k-1' }));
      accepts(base({ interaction: 'commitment_broken', commitmentId: 'k-1' }));
      accepts(base({ interaction: 'cancellation' }));
    });

    it('normalises dueAt to UTC', () => {
      const r = parseTouchpoint(
        base({
          interaction: 'commitment_made',
          commitmentId: 'k-1',
          dueAt: '2025-06-02T09:30:00-03:00',
        }),
        { now },
      );
      expect(r.ok && 'dueAt' in r.touchpoint && r.touchpoint.dueAt).toBe(
        '2025-06-02T12:30:00.000Z',
      );
    });

    it('accepts experience fields on any interaction, and all optional fields at their limits', () => {
      accepts(
        base({
          survey: { nps: 0, csat: 5, ces: 1 },
          sentiment: 1,
          emotion: 'rejection',
          companyAssessment: 5,
          touchpointName: 'n'.repeat(128),
          momentOfTruth: true,
          pillar: 'process',
          source: 's'.repeat(128),
          text: 't'.repeat(4000),
          attributes: Object.fromEntries(
            Array.from({ length: 50 }, (_, i) => [`k${i}`, i % 2 ? null : 'v']),
          ),
          touchpointId: 'A'.repeat(128),
          customerId: 'a.b_c:d-9',
        }),
      );
    });

    it('accepts an occurredAt exactly 300 s ahead, and any time in the past', () => {
      accepts(base({ occurredAt: '2025-06-01T12:05:00Z' }));
      accepts(base({ occurredAt: '1999-12-31T23:59:59.999Z' }));
      const r = parseTouchpoint(base({ occurredAt: '2025-06-01T12:10:00Z' }), {
        now,
        maxFutureSeconds: 600,
      });
      expect(r.ok).toBe(true);
    });
  });

  describe('shape', () => {
    it.each([null, 42, 'x', [], [base()], true])(
      'refuses a body that is not an object: %p',
      (input) => {
        expect(issuesOf(input)).toEqual([{ path: '', message: 'must be a JSON object' }]);
      },
    );

    it('refuses unknown fields, top level and nested', () => {
      expect(pathsOf(base({ colour: 'red' }))).toEqual(['colour']);
      expect(pathsOf(base({ survey: { nps: 9, stars: 5 } }))).toEqual(['survey.stars']);
      expect(
        pathsOf(base({ interaction: 'purchase', value: { amount: 1, currency: 'EUR', vat: 0.2 } })),
      ).toEqual(['value.vat']);
    });

    it('refuses prototype-polluting keys without polluting anything', () => {
      const input = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}') as Record<
        string,
        unknown
      >;
      expect(pathsOf({ ...base(), ...input }).sort()).toEqual(['__proto__', 'constructor']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it.each([
      ['touchpointId', undefined],
      ['customerId', undefined],
      ['occurredAt', undefined],
      ['channel', undefined],
      ['interaction', undefined],
    ])('requires %s', (field) => {
      expect(pathsOf(without(base(), field))).toEqual([field]);
    });

    it('reports every bad field at once', () => {
      expect(
        pathsOf(base({ touchpointId: '', channel: 'fax', survey: { nps: 11, csat: 0 } })).sort(),
      ).toEqual(['channel', 'survey.csat', 'survey.nps', 'touchpointId']);
    });

    it('prefixes paths with options.path', () => {
      expect(issuesOf(base({ survey: { nps: 11 } }), 'touchpoints[3]')).toEqual([
        { path: 'touchpoints[3].survey.nps', message: 'must be an integer from 0 to 10' },
      ]);
      expect(issuesOf(7, 'touchpoints[0]')).toEqual([
        { path: 'touchpoints[0]', message: 'must be a JSON object' },
      ]);
    });
  });

  describe('field rules', () => {
    it.each<[string, unknown]>([
      ['touchpointId', ''],
      ['touchpointId', 'x'.repeat(129)],
      ['touchpointId', 'has space'],
      ['touchpointId', 'ü'],
      ['touchpointId', 12],
      ['customerId', 'a/b'],
      ['customerId', null],
      ['channel', 'fax'],
      ['channel', 'CHAT'],
      ['category', 'digital'],
      ['direction', 'sideways'],
      ['interaction', 'purchased'],
      ['touchpointName', ''],
      ['touchpointName', 'n'.repeat(129)],
      ['momentOfTruth', 'yes'],
      ['momentOfTruth', 1],
      ['pillar', 'price'],
      ['sentiment', 1.01],
      ['sentiment', -1.5],
      ['sentiment', '0.5'],
      ['emotion', 'happy'],
      ['text', ''],
      ['text', 't'.repeat(4001)],
      ['text', 5],
      ['companyAssessment', 0],
      ['companyAssessment', 6],
      ['companyAssessment', 4.5],
      ['source', 's'.repeat(129)],
      ['attributes', []],
      ['attributes', 'a=b'],
      ['attributes', { nested: { a: 1 } }],
      ['attributes', { list: [1] }],
      ['attributes', { 'bad key': 1 }],
      ['attributes', { '': 1 }],
      ['attributes', { long: 'x'.repeat(1001) }],
      ['attributes', Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]))],
      ['survey', 5],
      ['survey', [{ nps: 9 }]],
    ])('refuses %s = %p', (field, value) => {
      expect(pathsOf(base({ [field]: value }))).toEqual([field]);
    });

    it.each<[string, unknown]>([
      ['nps', -1],
      ['nps', 11],
      ['nps', 8.5],
      ['nps', '9'],
      ['csat', 0],
      ['csat', 6],
      ['ces', 0],
      ['ces', 8],
      ['ces', 3.5],
    ])('refuses survey.%s = %p', (field, value) => {
      expect(pathsOf(base({ survey: { [field]: value } }))).toEqual([`survey.${field}`]);
    });

    it('accepts the survey bounds', () => {
      accepts(base({ survey: { nps: 10, csat: 1, ces: 7 } }));
    });

    it.each<[string, unknown]>([
      ['amount', -0.01],
      ['amount', Number.POSITIVE_INFINITY],
      ['amount', Number.NaN],
      ['amount', '10'],
      ['amount', 1e13],
      ['currency', 'eur'],
      ['currency', 'EURO'],
      ['currency', 978],
    ])('refuses value.%s = %p', (field, value) => {
      const money = { amount: 1, currency: 'EUR', [field]: value };
      expect(pathsOf(base({ interaction: 'purchase', value: money }))).toEqual([`value.${field}`]);
    });

    it('requires amount and currency in a value', () => {
      expect(pathsOf(base({ interaction: 'purchase', value: {} })).sort()).toEqual([
        'value.amount',
        'value.currency',
      ]);
    });

    it.each([
      '2025-06-01',
      '2025-06-01T10:00:00',
      '2025-06-01T10:00Z',
      '2025-06-01 10:00:00Z',
      '2025-02-30T10:00:00Z',
      '2025-13-01T10:00:00Z',
      '2025-06-01T24:00:00Z',
      '2025-06-01T10:60:00Z',
      '2025-06-01T10:00:60Z',
      '2025-06-01T10:00:00+2400',
      '2025-06-01T10:00:00+24:00',
      '2025-06-01t10:00:00z',
      'yesterday',
      '',
    ])('refuses occurredAt %p', (occurredAt) => {
      expect(pathsOf(base({ occurredAt }))).toEqual(['occurredAt']);
    });

    it('refuses occurredAt as a number', () => {
      expect(pathsOf(base({ occurredAt: 1717236000000 }))).toEqual(['occurredAt']);
    });

    it('accepts a leap day and fractions down to nanoseconds (kept to the millisecond)', () => {
      accepts(base({ occurredAt: '2024-02-29T10:00:00Z' }));
      const r = parseTouchpoint(base({ occurredAt: '2025-06-01T10:00:00.123456789Z' }), { now });
      expect(r.ok && r.touchpoint.occurredAt).toBe('2025-06-01T10:00:00.123Z');
    });

    it('refuses NUL anywhere: values, nested values, attribute keys', () => {
      expect(pathsOf(base({ text: 'a\u0000b' }))).toEqual(['text']);
      expect(pathsOf(base({ touchpointId: 'tp\u0000' }))).toEqual(['touchpointId']);
      expect(pathsOf(base({ attributes: { a: 'x\u0000' } }))).toEqual(['attributes.a']);
      expect(pathsOf(base({ attributes: { 'a\u0000': 'x' } }))).toContain('attributes.a\u0000');
      expect(issuesOf(base({ text: '\u0000' }))[0]?.message).toBe(
        'must not contain NUL characters',
      );
    });
    it('refuses unpaired UTF-16 surrogates anywhere: values, nested values, attribute keys', () => {
      const message = 'must not contain unpaired UTF-16 surrogates';
      expect(issuesOf(base({ touchpointName: 'a\ud800b' }))).toEqual([
        { path: 'touchpointName', message },
      ]);
      expect(pathsOf(base({ text: 'ends high \ud83d' }))).toEqual(['text']);
      expect(pathsOf(base({ text: '\ude00 starts low' }))).toEqual(['text']);
      expect(pathsOf(base({ text: 'reversed \ude00\ud83d' }))).toEqual(['text']);
      expect(pathsOf(base({ customerId: 'c\udfff' }))).toEqual(['customerId']);
      expect(pathsOf(base({ attributes: { note: 'x\udbff' } }))).toEqual(['attributes.note']);
      expect(
        pathsOf(base({ interaction: 'survey_response', survey: { nps: 9, 'k\ud800': 1 } })),
      ).toEqual(['survey.k\\ud800', 'survey.k\\ud800']);
      const keyIssues = issuesOf(base({ attributes: { 'a\udc00': 'x' } }));
      expect(keyIssues).toContainEqual({
        path: 'attributes.a\\udc00',
        message: 'field names must not contain unpaired UTF-16 surrogates',
      });
    });

    it('accepts surrogate pairs (astral characters) in free text', () => {
      accepts(base({ touchpointName: 'launch 🚀', text: 'great 😀 \ud83d\ude00', source: '𝔘' }));
    });

    it('reports both NUL and a lone surrogate in one string', () => {
      expect(issuesOf(base({ text: '\u0000\ud800' })).map((i) => i.message)).toEqual([
        'must not contain NUL characters',
        'must not contain unpaired UTF-16 surrogates',
      ]);
    });

    it('names the batch item of a lone surrogate', () => {
      const r = parseTouchpointBatch(
        { touchpoints: [base(), base(), base(), base({ touchpointName: 'a\ud800b' })] },
        { now },
      );
      expect(r).toEqual({
        ok: false,
        issues: [
          {
            path: 'touchpoints[3].touchpointName',
            message: 'must not contain unpaired UTF-16 surrogates',
          },
        ],
      });
    });
  });

  describe('cross-field rules', () => {
    it('refuses a category that disagrees with the channel', () => {
      expect(issuesOf(base({ channel: 'chat', category: 'human' }))).toEqual([
        { path: 'category', message: 'must be interactive for channel chat (or be left out)' },
      ]);
    });

    it.each<[string, Record<string, unknown>, string[]]>([
      ['complaint_opened', {}, ['complaintId', 'reason']],
      ['complaint_opened', { complaintId: 'c-1' }, ['reason']],
      ['complaint_opened', { reason: 'billing' }, ['complaintId']],
      ['complaint_resolved', {}, ['complaintId']],
      ['commitment_made', {}, ['commitmentId', 'dueAt']],
      ['commitment_made', { commitmentId: 'k' }, ['dueAt']],
      ['commitment_kept', {}, ['commitmentId']],
      ['commitment_broken', {}, ['commitmentId']],
      ['survey_response', {}, ['survey']],
      ['feedback', {}, ['text']],
    ])('%s without its fields %p is refused at %p', (interaction, fields, paths) => {
      expect(pathsOf(base({ interaction, ...fields }))).toEqual(paths);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['inquiry', { complaintId: 'c-1' }, 'complaintId'],
      ['complaint_resolved', { complaintId: 'c-1', reason: 'delay' }, 'reason'],
      ['commitment_kept', { commitmentId: 'k', dueAt: '2025-06-01T10:00:00Z' }, 'dueAt'],
      [
        'complaint_opened',
        { complaintId: 'c', reason: 'delay', commitmentId: 'k' },
        'commitmentId',
      ],
      ['feedback', { text: 'x', value: { amount: 1, currency: 'EUR' } }, 'value'],
      ['cancellation', { value: { amount: 1, currency: 'EUR' } }, 'value'],
    ])(
      '%s refuses a field that belongs to another interaction: %p',
      (interaction, fields, path) => {
        const issues = issuesOf(base({ interaction, ...fields }));
        expect(issues.map((i) => i.path)).toEqual([path]);
        expect(issues[0]?.message).toMatch(/^is only allowed on interaction /);
      },
    );

    it('refuses an empty survey', () => {
      expect(issuesOf(base({ survey: {} }))).toEqual([
        { path: 'survey', message: 'must carry at least one of nps, csat, ces' },
      ]);
      expect(pathsOf(base({ survey: { nps: null } }))).toEqual(['survey']);
    });

    it('refuses an occurredAt more than 300 s after now', () => {
      expect(pathsOf(base({ occurredAt: '2025-06-01T12:05:00.001Z' }))).toEqual(['occurredAt']);
      expect(pathsOf(base({ occurredAt: '2025-06-01T14:05:01+02:00' }))).toEqual(['occurredAt']);
    });

    it('does not look at dueAt against the clock', () => {
      accepts(
        base({ interaction: 'commitment_made', commitmentId: 'k', dueAt: '2099-01-01T00:00:00Z' }),
      );
    });
  });
});

describe('parseTouchpointBatch', () => {
  const item = (i: number, extra: Record<string, unknown> = {}): Record<string, unknown> =>
    base({ touchpointId: `tp-${i}`, ...extra });

  it('returns every touchpoint normalised, in order', () => {
    const r = parseTouchpointBatch({ touchpoints: [item(1), item(2)] }, { now });
    expect(r.ok && r.touchpoints.map((t) => t.touchpointId)).toEqual(['tp-1', 'tp-2']);
  });

  it('names each bad item and field, and returns nothing else', () => {
    const items = [
      item(0),
      item(1),
      item(2),
      item(3, { survey: { nps: 42 } }),
      item(4, { channel: 'fax' }),
    ];
    expect(parseTouchpointBatch({ touchpoints: items }, { now })).toEqual({
      ok: false,
      issues: [
        { path: 'touchpoints[3].survey.nps', message: 'must be an integer from 0 to 10' },
        {
          path: 'touchpoints[4].channel',
          message: expect.stringMatching(/^must be one of: /) as unknown,
        },
      ],
    });
  });

  it.each<[unknown, string[]]>([
    [[], ['']],
    [{}, ['touchpoints']],
    [{ touchpoints: [] }, ['touchpoints']],
    [{ touchpoints: item(1) }, ['touchpoints']],
    [{ touchpoints: [item(1)], extra: 1 }, ['extra']],
    [{ touchpoints: [5] }, ['touchpoints[0]']],
  ])('refuses %p at %p', (input, paths) => {
    const r = parseTouchpointBatch(input, { now });
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(paths);
  });

  it('accepts 1,000 items and refuses 1,001', () => {
    const many = Array.from({ length: 1001 }, (_, i) => item(i));
    expect(parseTouchpointBatch({ touchpoints: many.slice(0, 1000) }, { now }).ok).toBe(true);
    const r = parseTouchpointBatch({ touchpoints: many }, { now });
    expect(r.ok ? [] : r.issues).toEqual([
      { path: 'touchpoints', message: 'must be an array of 1 to 1000 touchpoints' },
    ]);
  });
});
