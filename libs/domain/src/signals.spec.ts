import { signalsOf, npsValence, csatValence, cesValence, emotionValence } from './signals';
import { tp } from './touchpoint-builders.test-support';

const valences = (history: Parameters<typeof signalsOf>[0]): [string, string, number][] =>
  signalsOf(history).map((s) => [s.touchpointId, s.source, s.valence]);

describe('valence tables (§3)', () => {
  it.each([
    [0, -2],
    [3, -2],
    [4, -1],
    [6, -1],
    [7, 0],
    [8, 0],
    [9, 1],
    [10, 2],
  ])('NPS %i → %i (band edges 3/4, 6/7, 8/9, 9/10)', (nps, v) => {
    expect(npsValence(nps)).toBe(v);
  });

  it.each([
    [1, -2],
    [2, -1],
    [3, 0],
    [4, 1],
    [5, 2],
  ])('CSAT %i → %i', (c, v) => {
    expect(csatValence(c)).toBe(v);
  });

  it.each([
    [1, -2],
    [2, -1],
    [3, -1],
    [4, 0],
    [5, 1],
    [6, 1],
    [7, 2],
  ])('CES %i → %i', (e, v) => {
    expect(cesValence(e)).toBe(v);
  });

  it.each([
    ['rejection', -2],
    ['decline', -1],
    ['indifference', 0],
    ['enjoyment', 1],
    ['ecstasy', 2],
  ] as const)('self-reported emotion %s → %i', (level, v) => {
    expect(emotionValence(level)).toBe(v);
  });

  it('sentiment s gives 2·s, continuous', () => {
    const s = signalsOf([tp({ interaction: 'feedback', sentiment: -0.35, touchpointId: 'a' })]);
    expect(s).toEqual([
      {
        touchpointId: 'a',
        at: Date.UTC(2025, 0, 1),
        category: 'interactive',
        valence: -0.7,
        source: 'sentiment',
      },
    ]);
  });

  it('a touchpoint with several fields gives several signals, with its category', () => {
    const s = signalsOf([
      tp({
        touchpointId: 'a',
        channel: 'support',
        interaction: 'complaint_opened',
        complaintId: 'k',
        reason: 'billing',
        survey: { nps: 9, csat: 2, ces: 7 },
        sentiment: 0.5,
        emotion: 'decline',
      }),
    ]);
    expect(s.map((x) => [x.source, x.valence, x.category])).toEqual([
      ['nps', 1, 'human'],
      ['csat', -1, 'human'],
      ['ces', 2, 'human'],
      ['sentiment', 1, 'human'],
      ['emotion', -1, 'human'],
      ['complaint_opened', -1, 'human'],
    ]);
  });
});

describe('openings and settlements (§3)', () => {
  const open = (id: string, seconds = 0, complaintId = 'k') =>
    tp({
      touchpointId: id,
      seconds,
      interaction: 'complaint_opened',
      complaintId,
      reason: 'delay',
    });
  const resolve = (id: string, seconds: number, complaintId = 'k') =>
    tp({ touchpointId: id, seconds, interaction: 'complaint_resolved', complaintId });

  it('resolution exactly 48 h after the opening is within the SLA (+1)', () => {
    expect(valences([open('o'), resolve('r', 48 * 3600)])).toEqual([
      ['o', 'complaint_opened', -1],
      ['r', 'complaint_resolved', 1],
    ]);
  });

  it('48 h + 1 s is outside the SLA (−1)', () => {
    expect(valences([open('o'), resolve('r', 48 * 3600 + 1)])).toEqual([
      ['o', 'complaint_opened', -1],
      ['r', 'complaint_resolved', -1],
    ]);
  });

  it('a resolution dated before its opening counts as within', () => {
    expect(valences([open('o', 1000), resolve('r', 0)])).toEqual([
      ['r', 'complaint_resolved', 1],
      ['o', 'complaint_opened', -1],
    ]);
  });

  it('a resolution without an opening gives nothing until the opening arrives', () => {
    const r = resolve('r', 100);
    expect(valences([r])).toEqual([]);
    // The opening may carry any time, even a much later one: it then settles the complaint.
    expect(valences([r, open('o', 999_999)])).toEqual([
      ['r', 'complaint_resolved', 1],
      ['o', 'complaint_opened', -1],
    ]);
  });

  it('only the earliest opening counts; duplicates give no signal', () => {
    expect(valences([open('o2', 10), open('o1', 0), open('o3', 0)])).toEqual([
      ['o1', 'complaint_opened', -1],
    ]);
  });

  it('only the earliest resolution counts, ties broken by the smaller touchpointId', () => {
    // Both at +49 h (outside): r1 wins the tie; r0 at +50 h is later and settles nothing.
    expect(
      valences([
        open('o'),
        resolve('r2', 49 * 3600),
        resolve('r1', 49 * 3600),
        resolve('r0', 50 * 3600),
      ]),
    ).toEqual([
      ['o', 'complaint_opened', -1],
      ['r1', 'complaint_resolved', -1],
    ]);
  });

  it('SLA is measured from the earliest opening, not a later duplicate', () => {
    // Opened at 0 and again at +10 h; resolved at +50 h: 50 h after the earliest → outside.
    expect(valences([open('o1', 0), open('o2', 10 * 3600), resolve('r', 50 * 3600)])).toEqual([
      ['o1', 'complaint_opened', -1],
      ['r', 'complaint_resolved', -1],
    ]);
  });

  const made = (id: string, seconds = 0) =>
    tp({
      touchpointId: id,
      seconds,
      interaction: 'commitment_made',
      commitmentId: 'p',
      dueAt: '2025-02-01T00:00:00.000Z',
    });
  const kept = (id: string, seconds: number) =>
    tp({ touchpointId: id, seconds, interaction: 'commitment_kept', commitmentId: 'p' });
  const broken = (id: string, seconds: number) =>
    tp({ touchpointId: id, seconds, interaction: 'commitment_broken', commitmentId: 'p' });

  it('kept → +1, broken → −2, commitment_made itself gives no signal', () => {
    expect(valences([made('m'), kept('k', 5)])).toEqual([['k', 'commitment_kept', 1]]);
    expect(valences([made('m'), broken('b', 5)])).toEqual([['b', 'commitment_broken', -2]]);
  });

  it('kept then broken is a kept promise; broken then kept a broken one', () => {
    expect(valences([made('m'), kept('k', 5), broken('b', 6)])).toEqual([
      ['k', 'commitment_kept', 1],
    ]);
    expect(valences([made('m'), kept('k', 6), broken('b', 5)])).toEqual([
      ['b', 'commitment_broken', -2],
    ]);
  });

  it('a settlement without its commitment_made settles nothing until it arrives', () => {
    expect(valences([kept('k', 5)])).toEqual([]);
    expect(valences([kept('k', 5), made('m', 50)])).toEqual([['k', 'commitment_kept', 1]]);
  });

  it('ids are scoped by kind: complaint k and commitment k are different things', () => {
    expect(valences([resolve('r', 0), made('m')])).toEqual([]);
  });
});
