import type { Stage } from '@cx/domain';
import {
  addToCells,
  CELL_DIMENSIONS,
  CELL_GRAINS,
  cellValue,
  changedCells,
  NO_GROUP,
  type AnswerCell,
  type CustomerAnalytics,
  type PurchaseFact,
} from './analytics.derivation';
import type { StoredContribution, StoredPair } from './analytics.facts';

type Row = Record<string, string | number | null>;

/** The rows each sums table gets from a batch: what the customers add, minus what they took. */
export interface SumRows {
  readonly answerCells: Row[];
  readonly revenueCells: Row[];
  readonly churnCells: Row[];
  readonly entryCells: Row[];
  readonly stageCounts: Row[];
  readonly valueByStage: Row[];
  readonly perceptionTotals: Row[];
}

/** The comparable view of a customer's contribution, whether stored before or derived now. */
interface Contribution {
  readonly stage: Stage;
  readonly status: string;
  readonly lostAtMs: number | null;
  readonly answers: CustomerAnalytics['answers'];
  readonly purchases: readonly PurchaseFact[];
  readonly cancellations: CustomerAnalytics['cancellations'];
  readonly entries: CustomerAnalytics['entries'];
  readonly value: readonly { currency: string; amount: string }[];
  readonly perception: readonly StoredPair[];
}

const negate = (decimal: string): string =>
  decimal.startsWith('-') ? decimal.slice(1) : `-${decimal}`;

const slotOf = (ms: number, grainMs: number): number => Math.floor(ms / grainMs) * grainMs;

/** A customer's value per currency: their purchases' amounts, summed exactly by Postgres later. */
function valueOf(purchases: readonly PurchaseFact[]): { currency: string; amounts: string[] }[] {
  const by = new Map<string, string[]>();
  for (const p of purchases) by.set(p.currency, [...(by.get(p.currency) ?? []), p.amount]);
  return [...by.entries()].map(([currency, amounts]) => ({ currency, amounts }));
}

export function contributionOf(c: CustomerAnalytics): Contribution {
  return {
    stage: c.stage,
    status: c.status,
    lostAtMs: c.lostAtMs,
    answers: c.answers,
    purchases: c.purchases,
    cancellations: c.cancellations,
    entries: c.entries,
    value: [],
    perception: c.perception.map((p) => ({
      touchpointName: p.touchpointName,
      channel: p.channel,
      company: p.company,
      customer: String(p.customer),
    })),
  };
}

export function storedContribution(s: StoredContribution): Contribution {
  return s;
}

/**
 * The signed rows of every sums table for a batch: each old contribution taken away (−1) and each
 * new one added (+1). Answers are summed here already; the rest are summed by Postgres, exactly.
 */
export function sumRows(old: readonly Contribution[], now: readonly Contribution[]): SumRows {
  const answers = new Map<string, AnswerCell>();
  const rows: SumRows = {
    answerCells: [],
    revenueCells: [],
    churnCells: [],
    entryCells: [],
    stageCounts: [],
    valueByStage: [],
    perceptionTotals: [],
  };
  const add = (c: Contribution, sign: 1 | -1, isNew: boolean): void => {
    addToCells(answers, c.answers, c.stage, sign);
    const signed = (decimal: string): string => (sign === 1 ? decimal : negate(decimal));
    for (const p of c.purchases) {
      for (const { grain, ms } of CELL_GRAINS) {
        for (const dim of CELL_DIMENSIONS) {
          rows.revenueCells.push({
            grain,
            dim,
            slot: slotOf(p.occurredAtMs, ms),
            value: cellValue(p, dim, c.stage),
            currency: p.currency,
            amount: signed(p.amount),
            purchases: sign,
          });
        }
      }
    }
    for (const { grain, ms } of CELL_GRAINS) {
      for (const x of c.cancellations) {
        rows.churnCells.push({
          grain,
          slot: slotOf(x.occurredAtMs, ms),
          cancellations: sign,
          lost: 0,
        });
      }
      if (c.lostAtMs !== null) {
        rows.churnCells.push({ grain, slot: slotOf(c.lostAtMs, ms), cancellations: 0, lost: sign });
      }
      for (const e of c.entries) {
        rows.entryCells.push({
          grain,
          slot: slotOf(e.enteredAtMs, ms),
          stage: e.stage,
          entered: sign,
          rose: e.rose ? sign : 0,
        });
      }
    }
    rows.stageCounts.push({ stage: c.stage, status: c.status, customers: sign });
    // New contributions carry their purchases; stored ones their summed value per currency.
    const value = isNew
      ? valueOf(c.purchases).flatMap(({ currency, amounts }) =>
          amounts.map((amount, i) => ({ currency, amount, first: i === 0 })),
        )
      : c.value.map((v) => ({ currency: v.currency, amount: v.amount, first: true }));
    for (const v of value) {
      rows.valueByStage.push({
        stage: c.stage,
        currency: v.currency,
        customers: v.first ? sign : 0,
        amount: signed(v.amount),
      });
    }
    for (const p of c.perception) {
      for (const [dim, value] of [
        ['touchpointName', p.touchpointName ?? NO_GROUP],
        ['channel', p.channel],
      ] as const) {
        rows.perceptionTotals.push({
          dim,
          value,
          pairs: sign,
          company_sum: sign * p.company,
          customer_sum: signed(p.customer),
        });
      }
    }
  };
  for (const c of old) add(c, -1, false);
  for (const c of now) add(c, 1, true);
  for (const cell of changedCells(answers)) {
    rows.answerCells.push({
      grain: cell.grain,
      dim: cell.dim,
      slot: cell.slot,
      value: cell.value,
      nps_answers: cell.npsAnswers,
      promoters: cell.promoters,
      detractors: cell.detractors,
      csat_answers: cell.csatAnswers,
      satisfied: cell.satisfied,
      ces_answers: cell.cesAnswers,
      ces_sum: cell.cesSum,
    });
  }
  return rows;
}
