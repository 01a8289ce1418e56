/** Builders and fast-check arbitraries for the domain's tests (excluded from the build). */
import fc from 'fast-check';
import {
  CHANNELS,
  COMPLAINT_REASONS,
  EMOTION_LEVELS,
  INTERACTIONS,
  categoryOf,
  type Channel,
  type Touchpoint,
  type TouchpointBase,
} from './touchpoint';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type TouchpointInput = DistributiveOmit<
  Touchpoint,
  'touchpointId' | 'customerId' | 'occurredAt' | 'channel' | 'category'
> &
  Partial<Pick<TouchpointBase, 'touchpointId' | 'customerId' | 'channel'>> & {
    /** days after 2025-01-01T00:00:00Z (fractions allowed) */
    readonly day?: number;
    /** extra seconds after `day` */
    readonly seconds?: number;
  };

export const DAY_MS = 86_400_000;
export const EPOCH = Date.UTC(2025, 0, 1);

export function isoDay(day: number, seconds = 0): string {
  return new Date(EPOCH + Math.round(day * DAY_MS) + seconds * 1000).toISOString();
}

let sequence = 0;

/** A touchpoint of customer `c1` on channel `web` at day 0 unless told otherwise. */
export function tp(input: TouchpointInput): Touchpoint {
  const { day = 0, seconds = 0, ...rest } = input;
  const channel: Channel = rest.channel ?? 'web';
  sequence += 1;
  return {
    touchpointId: rest.touchpointId ?? `auto-${String(sequence).padStart(6, '0')}`,
    customerId: rest.customerId ?? 'c1',
    occurredAt: isoDay(day, seconds),
    ...rest,
    channel,
    category: categoryOf(channel),
  };
}

const interactionArb = fc.constantFrom(...INTERACTIONS);

function experienceArb(happy: boolean) {
  return fc.record(
    {
      survey: fc.record(
        {
          nps: happy ? fc.integer({ min: 7, max: 10 }) : fc.integer({ min: 0, max: 10 }),
          csat: fc.integer({ min: happy ? 4 : 1, max: 5 }),
          ces: fc.integer({ min: happy ? 5 : 1, max: 7 }),
        },
        { requiredKeys: [] },
      ),
      sentiment: happy
        ? fc.constantFrom(0.25, 0.5, 1)
        : fc.oneof(
            fc.constantFrom(-1, -0.5, 0, 0.25, 0.5, 1),
            fc.double({ min: -1, max: 1, noNaN: true }),
          ),
      emotion: happy ? fc.constantFrom('enjoyment', 'ecstasy') : fc.constantFrom(...EMOTION_LEVELS),
      companyAssessment: fc.integer({ min: 1, max: 5 }),
      touchpointName: fc.constantFrom('checkout', 'welcome-call', 'invoice-dispute'),
      pillar: fc.constantFrom('product', 'people', 'process'),
    },
    { requiredKeys: [] },
  );
}

const happyInteractionArb = fc.constantFrom(
  'exposure',
  'inquiry',
  'purchase',
  'repurchase',
  'repurchase',
  'referral',
  'survey_response',
  'survey_response',
  'commitment_made',
  'commitment_made',
  'commitment_kept',
  'commitment_kept',
  'complaint_opened',
  'complaint_resolved',
) satisfies fc.Arbitrary<Touchpoint['interaction']>;

/** Mixed histories and happy ones (which reach the deeper positive criteria), half and half. */
export function anyHistoryArb(customerId = 'c1', maxLength = 30): fc.Arbitrary<Touchpoint[]> {
  return fc.oneof(historyArb(customerId, maxLength), historyArb(customerId, maxLength, 'happy'));
}

/**
 * A realistic mixed history of one customer: every interaction, surveys, complaints and promises
 * sharing a few ids (so duplicates, late openings and double settlements happen), and times on a
 * coarse grid so that ties in occurredAt are frequent.
 */
export function historyArb(
  customerId = 'c1',
  maxLength = 30,
  mood: 'mixed' | 'happy' = 'mixed',
): fc.Arbitrary<Touchpoint[]> {
  const happy = mood === 'happy';
  const one = fc.record({
    interaction: happy ? happyInteractionArb : interactionArb,
    day: fc.integer({ min: 0, max: 400 }),
    seconds: fc.constantFrom(0, 0, 1, 3600, 172_800, 172_801),
    // a coarse day grid makes ties frequent; up to 400 days spans several half-lives
    channel: fc.constantFrom(...CHANNELS),
    complaintId: fc.constantFrom('k1', 'k2', 'k3'),
    commitmentId: fc.constantFrom('p1', 'p2'),
    reason: happy ? fc.constantFrom('delay', 'billing') : fc.constantFrom(...COMPLAINT_REASONS),
    amount: fc.integer({ min: 1, max: 500 }),
    experience: experienceArb(happy),
  });
  return fc
    .tuple(
      fc.array(one, { minLength: 1, maxLength }),
      fc.uniqueArray(fc.integer({ min: 0, max: 9999 }), {
        minLength: maxLength,
        maxLength,
      }),
    )
    .map(([items, ids]) =>
      items.map((x, i): Touchpoint => {
        const base = {
          touchpointId: `t${String(ids[i] ?? i).padStart(4, '0')}`,
          customerId,
          occurredAt: isoDay(x.day, x.seconds),
          channel: x.channel,
          category: categoryOf(x.channel),
          ...x.experience,
        };
        switch (x.interaction) {
          case 'complaint_opened':
            return {
              ...base,
              interaction: x.interaction,
              complaintId: x.complaintId,
              reason: x.reason,
            };
          case 'complaint_resolved':
            return { ...base, interaction: x.interaction, complaintId: x.complaintId };
          case 'commitment_made':
            return {
              ...base,
              interaction: x.interaction,
              commitmentId: x.commitmentId,
              dueAt: isoDay(x.day + 7),
            };
          case 'commitment_kept':
          case 'commitment_broken':
            return { ...base, interaction: x.interaction, commitmentId: x.commitmentId };
          case 'purchase':
          case 'repurchase':
            return {
              ...base,
              interaction: x.interaction,
              value: { amount: x.amount, currency: 'EUR' },
            };
          case 'exposure':
          case 'inquiry':
          case 'evaluation':
          case 'referral':
          case 'survey_response':
          case 'feedback':
          case 'cancellation':
            return { ...base, interaction: x.interaction };
        }
      }),
    );
}

/** Deterministic Fisher–Yates shuffle driven by fast-check's random seed list. */
export function shuffled<T>(list: readonly T[], seeds: readonly number[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = (seeds[i % Math.max(1, seeds.length)] ?? 0) % (i + 1);
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}

/** A copy with its keys in reverse order: same data, different serialisation. */
export function reorderedCopy<T extends object>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).reverse())
        : v,
    ),
  ) as T;
}
