/**
 * Every threshold of the model (the valence tables aside) in one object, so that an operator can
 * tune a tenant's journey without a code change. The defaults are the spec's published values.
 */

const DAY_SECONDS = 86_400;

export interface JourneyDefinition {
  readonly emotion: {
    readonly halfLifeSeconds: number;
    /** score ≤ this → rejection */
    readonly rejectionAtMost: number;
    /** score ≤ this → decline */
    readonly declineAtMost: number;
    /** score ≥ this → enjoyment (below it: indifference) */
    readonly enjoymentFrom: number;
    /** score ≥ this → ecstasy */
    readonly ecstasyFrom: number;
  };
  readonly complaints: {
    readonly slaSeconds: number;
  };
  readonly loyalty: {
    readonly positiveInteractions: {
      readonly minSignals: number;
      readonly minPositiveShare: number;
    };
    readonly consistency: {
      readonly categoryMinSignals: number;
      readonly metShare: number;
      /** a category share strictly below this → inconsistency */
      readonly inconsistencyBelow: number;
    };
    readonly credibility: {
      readonly metRatio: number;
      /** kept / settled strictly below this → distrust */
      readonly distrustBelow: number;
    };
    readonly reliability: {
      readonly minSpanSeconds: number;
    };
    /** latest NPS ≤ this (after a repurchase) → disloyalty */
    readonly disloyaltyMaxNps: number;
    /** latest NPS, if any, ≥ this for loyalty */
    readonly loyaltyMinNps: number;
  };
  readonly lifecycle: {
    /** latest NPS ≥ this gives advocacy (as a referral does) */
    readonly advocacyMinNps: number;
  };
  readonly ingestion: {
    readonly futureToleranceSeconds: number;
  };
  readonly metrics: {
    readonly npsPromoterMin: number;
    readonly npsDetractorMax: number;
    readonly csatSatisfiedMin: number;
  };
}

export const DEFAULT_JOURNEY_DEFINITION: JourneyDefinition = Object.freeze({
  emotion: Object.freeze({
    halfLifeSeconds: 90 * DAY_SECONDS,
    rejectionAtMost: -1.5,
    declineAtMost: -0.5,
    enjoymentFrom: 0.5,
    ecstasyFrom: 1.5,
  }),
  complaints: Object.freeze({ slaSeconds: 48 * 3600 }),
  loyalty: Object.freeze({
    positiveInteractions: Object.freeze({ minSignals: 3, minPositiveShare: 0.6 }),
    consistency: Object.freeze({ categoryMinSignals: 2, metShare: 0.6, inconsistencyBelow: 0.4 }),
    credibility: Object.freeze({ metRatio: 0.9, distrustBelow: 0.7 }),
    reliability: Object.freeze({ minSpanSeconds: 90 * DAY_SECONDS }),
    disloyaltyMaxNps: 6,
    loyaltyMinNps: 7,
  }),
  lifecycle: Object.freeze({ advocacyMinNps: 9 }),
  ingestion: Object.freeze({ futureToleranceSeconds: 300 }),
  metrics: Object.freeze({ npsPromoterMin: 9, npsDetractorMax: 6, csatSatisfiedMin: 4 }),
});

export interface DefinitionError {
  readonly path: string;
  readonly message: string;
}

export type ParseJourneyDefinitionResult =
  | { readonly ok: true; readonly definition: JourneyDefinition }
  | { readonly ok: false; readonly errors: DefinitionError[] };

type Kind = 'real' | 'positive' | 'share' | 'nps' | 'count' | 'csat';

/** The kind of every leaf; the shape of the defaults is the schema. */
const LEAF_KINDS: Readonly<Record<string, Kind>> = {
  'emotion.halfLifeSeconds': 'positive',
  'emotion.rejectionAtMost': 'real',
  'emotion.declineAtMost': 'real',
  'emotion.enjoymentFrom': 'real',
  'emotion.ecstasyFrom': 'real',
  'complaints.slaSeconds': 'positive',
  'loyalty.positiveInteractions.minSignals': 'count',
  'loyalty.positiveInteractions.minPositiveShare': 'share',
  'loyalty.consistency.categoryMinSignals': 'count',
  'loyalty.consistency.metShare': 'share',
  'loyalty.consistency.inconsistencyBelow': 'share',
  'loyalty.credibility.metRatio': 'share',
  'loyalty.credibility.distrustBelow': 'share',
  'loyalty.reliability.minSpanSeconds': 'positive',
  'loyalty.disloyaltyMaxNps': 'nps',
  'loyalty.loyaltyMinNps': 'nps',
  'lifecycle.advocacyMinNps': 'nps',
  'ingestion.futureToleranceSeconds': 'positive',
  'metrics.npsPromoterMin': 'nps',
  'metrics.npsDetractorMax': 'nps',
  'metrics.csatSatisfiedMin': 'csat',
};

function leafProblem(kind: Kind, value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a finite number';
  switch (kind) {
    case 'real':
      return null;
    case 'positive':
      return value > 0 ? null : 'must be greater than 0';
    case 'share':
      return value >= 0 && value <= 1 ? null : 'must be between 0 and 1';
    case 'nps':
      return Number.isInteger(value) && value >= 0 && value <= 10
        ? null
        : 'must be an integer from 0 to 10';
    case 'count':
      return Number.isInteger(value) && value >= 1 ? null : 'must be an integer of at least 1';
    case 'csat':
      return Number.isInteger(value) && value >= 1 && value <= 5
        ? null
        : 'must be an integer from 1 to 5';
    default: {
      const never: never = kind;
      return never;
    }
  }
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Merges `input` over `base` (deep), validating keys and leaves; returns the merged tree. */
function mergeNode(
  base: Readonly<Record<string, unknown>>,
  input: unknown,
  prefix: string,
  errors: DefinitionError[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  if (input === undefined) return out;
  if (!isPlainObject(input)) {
    errors.push({ path: prefix || '(root)', message: 'must be an object' });
    return out;
  }
  for (const [key, value] of Object.entries(input)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!Object.prototype.hasOwnProperty.call(base, key)) {
      errors.push({ path, message: 'is not a known setting' });
      continue;
    }
    const baseValue = base[key];
    if (isPlainObject(baseValue)) {
      out[key] = mergeNode(baseValue, value, path, errors);
      continue;
    }
    const kind = LEAF_KINDS[path];
    const problem = kind === undefined ? 'is not a known setting' : leafProblem(kind, value);
    if (problem !== null) errors.push({ path, message: problem });
    else out[key] = value;
  }
  return out;
}

function orderingErrors(d: JourneyDefinition): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const e = d.emotion;
  const ladder: [string, number][] = [
    ['emotion.rejectionAtMost', e.rejectionAtMost],
    ['emotion.declineAtMost', e.declineAtMost],
    ['emotion.enjoymentFrom', e.enjoymentFrom],
    ['emotion.ecstasyFrom', e.ecstasyFrom],
  ];
  for (let i = 1; i < ladder.length; i++) {
    const [lowPath, low] = ladder[i - 1] as [string, number];
    const [highPath, high] = ladder[i] as [string, number];
    if (!(high > low)) {
      errors.push({
        path: highPath,
        message: `emotion thresholds must increase: ${highPath} (${high}) must be greater than ${lowPath} (${low})`,
      });
    }
  }
  const c = d.loyalty.consistency;
  if (c.inconsistencyBelow > c.metShare) {
    errors.push({
      path: 'loyalty.consistency.inconsistencyBelow',
      message: `must be at most loyalty.consistency.metShare (${c.metShare})`,
    });
  }
  const cr = d.loyalty.credibility;
  if (cr.distrustBelow > cr.metRatio) {
    errors.push({
      path: 'loyalty.credibility.distrustBelow',
      message: `must be at most loyalty.credibility.metRatio (${cr.metRatio})`,
    });
  }
  const m = d.metrics;
  if (!(m.npsDetractorMax < m.npsPromoterMin)) {
    errors.push({
      path: 'metrics.npsDetractorMax',
      message: `must be less than metrics.npsPromoterMin (${m.npsPromoterMin})`,
    });
  }
  return errors;
}

/**
 * Accepts a partial definition merged (deeply) over the defaults. Unknown keys, wrong types,
 * out-of-range values and incoherent orderings are all reported at once, each with its path.
 */
export function parseJourneyDefinition(input: unknown): ParseJourneyDefinitionResult {
  const errors: DefinitionError[] = [];
  const merged = mergeNode(
    DEFAULT_JOURNEY_DEFINITION as unknown as Record<string, unknown>,
    input ?? {},
    '',
    errors,
  ) as unknown as JourneyDefinition;
  if (errors.length > 0) return { ok: false, errors };
  const ordering = orderingErrors(merged);
  if (ordering.length > 0) return { ok: false, errors: ordering };
  return { ok: true, definition: merged };
}

/** Ingestion's check (the model never reads the clock): more than the tolerance ahead of `now`. */
export function isTooFarInFuture(
  occurredAt: string,
  now: Date,
  definition: JourneyDefinition = DEFAULT_JOURNEY_DEFINITION,
): boolean {
  return (
    Date.parse(occurredAt) - now.getTime() > definition.ingestion.futureToleranceSeconds * 1000
  );
}
