import {
  analyseHistory,
  countsForAnalytics,
  DEFAULT_JOURNEY_DEFINITION,
  deriveStageHistory,
  GROUP_BYS,
  groupOf,
  inEventTimeOrder,
  instantMs,
  lostSince,
  orderConsentChanges,
  passagesOf,
  perceptionPairsOf,
  settlementsOfOrdered,
  STAGES,
  type ConsentChange,
  type ConsentPolicy,
  type GroupBy,
  type Groupable,
  type LifecycleStatus,
  type Passage,
  type PerceptionPair,
  type Stage,
  type Touchpoint,
} from '@cx/domain';

/**
 * The pure half of the analytics projection: from a customer's whole history and consents to the
 * facts they contribute, and from facts to the cell counters they add or take away. No I/O.
 */

export interface AnswerFact {
  readonly touchpointId: string;
  readonly occurredAtMs: number;
  readonly channel: string;
  readonly category: string;
  readonly pillar: string | null;
  readonly touchpointName: string | null;
  readonly nps: number | null;
  readonly csat: number | null;
  readonly ces: number | null;
}

export interface ComplaintFact {
  readonly complaintId: string;
  /** The channel of the complaint's counted (earliest) opening. */
  readonly channel: string;
  readonly openedAtMs: number;
  readonly resolvedAtMs: number | null;
  readonly resolveMs: number | null;
  readonly withinSla: boolean | null;
}

/** A counted purchase or repurchase with a value; the amount as the shortest decimal of its double. */
export interface PurchaseFact {
  readonly touchpointId: string;
  readonly occurredAtMs: number;
  readonly currency: string;
  readonly amount: string;
  readonly channel: string;
  readonly category: string;
  readonly pillar: string | null;
  readonly touchpointName: string | null;
}

export interface CancellationFact {
  readonly touchpointId: string;
  readonly occurredAtMs: number;
}

/** An entry into a stage; `rose` when the customer's next stage change took them higher. */
export interface StageEntryFact {
  readonly seq: number;
  readonly stage: Stage;
  readonly enteredAtMs: number;
  readonly rose: boolean;
}

export interface CustomerAnalytics {
  readonly customerId: string;
  /**
   * The current stage and status, from the whole history: consent decides which touchpoints the
   * figures count, not where the customer stands.
   */
  readonly stage: Stage;
  readonly status: LifecycleStatus;
  /** The latest counted cancellation, while no counted purchase is later than it; else null. */
  readonly lostAtMs: number | null;
  readonly answers: readonly AnswerFact[];
  readonly complaints: readonly ComplaintFact[];
  readonly purchases: readonly PurchaseFact[];
  readonly cancellations: readonly CancellationFact[];
  readonly entries: readonly StageEntryFact[];
  readonly perception: readonly PerceptionPair[];
  readonly passages: readonly Passage[];
}

/**
 * What one customer contributes to the analytics. The touchpoints their consents leave out are
 * left out of every figure, as if never recorded: a resolution whose opening is left out settles
 * nothing, exactly as the library computes over the touchpoints that count.
 */
export function analyticsOf(
  customerId: string,
  history: readonly Touchpoint[],
  consents: readonly ConsentChange[],
  policy: ConsentPolicy,
): CustomerAnalytics {
  const { stage, status } = analyseHistory(history).assessment;
  const ordered = orderConsentChanges(consents);
  const counted = history.filter((t) => countsForAnalytics(t, ordered, policy));
  const answers: AnswerFact[] = [];
  for (const t of counted) {
    const s = t.survey;
    if (s === undefined || (s.nps === undefined && s.csat === undefined && s.ces === undefined))
      continue;
    answers.push({
      touchpointId: t.touchpointId,
      occurredAtMs: instantMs(t.occurredAt),
      channel: t.channel,
      category: t.category,
      pillar: t.pillar ?? null,
      touchpointName: t.touchpointName ?? null,
      nps: s.nps ?? null,
      csat: s.csat ?? null,
      ces: s.ces ?? null,
    });
  }
  const inOrder = inEventTimeOrder(counted);
  const channelOf = new Map(counted.map((t) => [t.touchpointId, t.channel]));
  const complaints = settlementsOfOrdered(inOrder, DEFAULT_JOURNEY_DEFINITION).complaints.map(
    (c): ComplaintFact => ({
      complaintId: c.complaintId,
      channel: channelOf.get(c.opened.touchpointId) ?? '',
      openedAtMs: c.opened.at,
      resolvedAtMs: c.resolved?.at ?? null,
      resolveMs: c.resolved === null ? null : Math.max(0, c.resolved.at - c.opened.at),
      withinSla: c.resolved?.withinSla ?? null,
    }),
  );
  const purchases: PurchaseFact[] = [];
  const cancellations: CancellationFact[] = [];
  for (const t of counted) {
    const at = instantMs(t.occurredAt);
    if (t.interaction === 'cancellation') {
      cancellations.push({ touchpointId: t.touchpointId, occurredAtMs: at });
    }
    if (t.interaction !== 'purchase' && t.interaction !== 'repurchase') continue;
    if (t.value === undefined) continue;
    purchases.push({
      touchpointId: t.touchpointId,
      occurredAtMs: at,
      currency: t.value.currency,
      amount: String(t.value.amount),
      channel: t.channel,
      category: t.category,
      pillar: t.pillar ?? null,
      touchpointName: t.touchpointName ?? null,
    });
  }
  const lostAtMs = lostSince(counted);
  return {
    customerId,
    stage,
    status,
    lostAtMs,
    answers,
    complaints,
    purchases,
    cancellations,
    entries: stageEntriesOf(history),
    perception: perceptionPairsOf(inOrder),
    passages: passagesOf(history, (t) => countsForAnalytics(t, ordered, policy)),
  };
}

const RANK = new Map<Stage, number>(STAGES.map((stage, i) => [stage, i]));

/** The customer's stage entries (from the whole history), each marked when the next one is higher. */
export function stageEntriesOf(history: readonly Touchpoint[]): StageEntryFact[] {
  const entries = deriveStageHistory(history).entries;
  return entries.map((entry, seq) => {
    const next = entries[seq + 1];
    return {
      seq,
      stage: entry.stage,
      enteredAtMs: instantMs(entry.enteredAt),
      rose: next !== undefined && (RANK.get(next.stage) ?? 0) > (RANK.get(entry.stage) ?? 0),
    };
  });
}

/** A cell's counters; all integers, so any order of additions gives the same cell. */
export interface AnswerCounters {
  npsAnswers: number;
  promoters: number;
  detractors: number;
  csatAnswers: number;
  satisfied: number;
  cesAnswers: number;
  cesSum: number;
}

export interface AnswerCell extends AnswerCounters {
  readonly grain: CellGrain;
  readonly dim: CellDimension;
  readonly slot: number;
  readonly value: string;
}

/** `q`: a quarter of an hour (every zone's midnight today); `h`: an hour; `d`: a UTC day. */
export type CellGrain = 'q' | 'h' | 'd';
export const CELL_GRAINS: readonly { readonly grain: CellGrain; readonly ms: number }[] = [
  { grain: 'q', ms: 15 * 60 * 1000 },
  { grain: 'h', ms: 60 * 60 * 1000 },
  { grain: 'd', ms: 24 * 60 * 60 * 1000 },
];

/** `''` is the cell of no grouping; the others are the groupBy names. */
export type CellDimension = '' | GroupBy;
export const CELL_DIMENSIONS: readonly CellDimension[] = ['', ...GROUP_BYS];

/** Stands for "no value" (a touchpoint without pillar or name): no real group value is empty. */
export const NO_GROUP = '';

/** The cell value of a fact in a dimension: `''` (NO_GROUP) for none. */
export function cellValue(fact: Groupable, dim: CellDimension, stage: Stage): string {
  return (dim === '' ? null : groupOf(fact, dim, stage)) ?? NO_GROUP;
}

export function countersOf(answer: AnswerFact): AnswerCounters {
  const m = DEFAULT_JOURNEY_DEFINITION.metrics;
  return {
    npsAnswers: answer.nps === null ? 0 : 1,
    promoters: answer.nps !== null && answer.nps >= m.npsPromoterMin ? 1 : 0,
    detractors: answer.nps !== null && answer.nps <= m.npsDetractorMax ? 1 : 0,
    csatAnswers: answer.csat === null ? 0 : 1,
    satisfied: answer.csat !== null && answer.csat >= m.csatSatisfiedMin ? 1 : 0,
    cesAnswers: answer.ces === null ? 0 : 1,
    cesSum: answer.ces ?? 0,
  };
}

const COUNTER_NAMES: readonly (keyof AnswerCounters)[] = [
  'npsAnswers',
  'promoters',
  'detractors',
  'csatAnswers',
  'satisfied',
  'cesAnswers',
  'cesSum',
];

/**
 * Adds (sign 1) or takes away (sign −1) a customer's answers to the cells they fall in: every
 * grain × every dimension, the stage dimension under the stage given.
 */
export function addToCells(
  cells: Map<string, AnswerCell>,
  answers: readonly AnswerFact[],
  stage: Stage,
  sign: 1 | -1,
): void {
  for (const answer of answers) {
    const counters = countersOf(answer);
    for (const { grain, ms } of CELL_GRAINS) {
      const slot = Math.floor(answer.occurredAtMs / ms) * ms;
      for (const dim of CELL_DIMENSIONS) {
        const value = cellValue(answer, dim, stage);
        const key = `${grain}\u0000${dim}\u0000${slot}\u0000${value}`;
        let cell = cells.get(key);
        if (cell === undefined) {
          cell = {
            grain,
            dim,
            slot,
            value,
            npsAnswers: 0,
            promoters: 0,
            detractors: 0,
            csatAnswers: 0,
            satisfied: 0,
            cesAnswers: 0,
            cesSum: 0,
          };
          cells.set(key, cell);
        }
        for (const name of COUNTER_NAMES) cell[name] += sign * counters[name];
      }
    }
  }
}

/** The cells that changed, in the one order every writer uses, so concurrent batches never deadlock. */
export function changedCells(cells: ReadonlyMap<string, AnswerCell>): AnswerCell[] {
  return [...cells.values()]
    .filter((cell) => COUNTER_NAMES.some((name) => cell[name] !== 0))
    .sort(
      (a, b) =>
        compare(a.grain, b.grain) ||
        compare(a.dim, b.dim) ||
        a.slot - b.slot ||
        compare(a.value, b.value),
    );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
