import type { ConsentPolicy, Touchpoint } from '@cx/domain';
import {
  ANALYTICS_ANSWER_CELLS,
  ANALYTICS_ANSWERS,
  ANALYTICS_CANCELLATIONS,
  ANALYTICS_CHURN_CELLS,
  ANALYTICS_COMPLAINTS,
  ANALYTICS_CUSTOMER_VALUE,
  ANALYTICS_CUSTOMERS,
  ANALYTICS_ENTRY_CELLS,
  ANALYTICS_PASSAGES,
  ANALYTICS_PERCEPTION_PAIRS,
  ANALYTICS_PERCEPTION_TOTALS,
  ANALYTICS_PURCHASES,
  ANALYTICS_REVENUE_CELLS,
  ANALYTICS_STAGE_COUNTS,
  ANALYTICS_STAGE_ENTRIES,
  ANALYTICS_TABLES,
  ANALYTICS_VALUE_BY_STAGE,
  type PositionedTouchpoint,
  type Projection,
  type ProjectionBatch,
  type ProjectionOutcome,
} from '@cx/read-models';
import { contributionOf, storedContribution, sumRows } from './analytics.contributions';
import { analyticsOf, type CustomerAnalytics } from './analytics.derivation';
import {
  consentsOf,
  lockAndReadStored,
  replaceFacts,
  type AnalyticsTables,
} from './analytics.facts';
import { addSums, GRAIN_COLUMN, SLOT_COLUMN, type SumColumn } from './analytics.sums';

/**
 * The organisation's CX figures (spec §5–6): NPS, CSAT, CES, complaints, revenue and lifetime
 * value, churn, the funnel and the perception gap. Whenever a customer's history or consents
 * change, what they contribute is derived again from their whole history and the sums get the
 * difference, so the figures do not depend on arrival order, replays or rebuilds, and a
 * customer's figures follow them when their current stage changes.
 */
export function experienceAnalyticsProjection(policy: ConsentPolicy): Projection {
  return {
    name: 'experience-analytics',
    tables: ANALYTICS_TABLES,
    handles: () => true,
    async apply(batch, touchpoints): Promise<ProjectionOutcome> {
      const given = new Map<string, PositionedTouchpoint[]>();
      for (const item of touchpoints) {
        const list = given.get(item.touchpoint.customerId);
        if (list === undefined) given.set(item.touchpoint.customerId, [item]);
        else list.push(item);
      }
      await recomputeCustomers(
        batch,
        policy,
        [...given.keys()],
        batch.completeHistories ? given : null,
      );
      return {};
    },
    recompute(batch, customerIds): Promise<void> {
      return recomputeCustomers(batch, policy, customerIds, null);
    },
  };
}

function tablesOf(batch: ProjectionBatch): AnalyticsTables {
  const t = batch.table;
  return {
    customers: t(ANALYTICS_CUSTOMERS.name),
    answers: t(ANALYTICS_ANSWERS.name),
    answerCells: t(ANALYTICS_ANSWER_CELLS.name),
    complaints: t(ANALYTICS_COMPLAINTS.name),
    purchases: t(ANALYTICS_PURCHASES.name),
    revenueCells: t(ANALYTICS_REVENUE_CELLS.name),
    customerValue: t(ANALYTICS_CUSTOMER_VALUE.name),
    valueByStage: t(ANALYTICS_VALUE_BY_STAGE.name),
    cancellations: t(ANALYTICS_CANCELLATIONS.name),
    churnCells: t(ANALYTICS_CHURN_CELLS.name),
    entries: t(ANALYTICS_STAGE_ENTRIES.name),
    entryCells: t(ANALYTICS_ENTRY_CELLS.name),
    stageCounts: t(ANALYTICS_STAGE_COUNTS.name),
    perceptionPairs: t(ANALYTICS_PERCEPTION_PAIRS.name),
    perceptionTotals: t(ANALYTICS_PERCEPTION_TOTALS.name),
    passages: t(ANALYTICS_PASSAGES.name),
  };
}

const text = (name: string): SumColumn => ({ name, type: 'text' });
const count = (name: string): SumColumn => ({ name, type: 'bigint' });
const amount = (name: string): SumColumn => ({ name, type: 'numeric' });

/**
 * Replaces the contributions of these customers with what their stored histories and consents
 * give now. `histories` are their complete histories when the caller holds them already.
 */
export async function recomputeCustomers(
  batch: ProjectionBatch,
  policy: ConsentPolicy,
  customerIds: readonly string[],
  histories: ReadonlyMap<string, readonly PositionedTouchpoint[]> | null,
): Promise<void> {
  if (customerIds.length === 0) return;
  const customers = [...customerIds].sort();
  const { client } = batch;
  const t = tablesOf(batch);
  const stored = await lockAndReadStored(client, t, customers);
  const full = histories ?? (await batch.histories(customers));
  const consents = await consentsOf(client, customers);

  const now: CustomerAnalytics[] = [];
  const gone: string[] = [];
  for (const customerId of customers) {
    const history = (full.get(customerId) ?? []).map((h): Touchpoint => h.touchpoint);
    if (history.length === 0) gone.push(customerId);
    else now.push(analyticsOf(customerId, history, consents.get(customerId) ?? [], policy));
  }
  const rows = sumRows([...stored.values()].map(storedContribution), now.map(contributionOf));
  await replaceFacts(client, t, customers, gone, now);

  const cell = [GRAIN_COLUMN, text('dim'), SLOT_COLUMN, text('value')];
  await addSums(
    client,
    {
      table: t.answerCells,
      keys: cell,
      sums: [
        'nps_answers',
        'promoters',
        'detractors',
        'csat_answers',
        'satisfied',
        'ces_answers',
        'ces_sum',
      ].map(count),
    },
    rows.answerCells,
  );
  await addSums(
    client,
    {
      table: t.revenueCells,
      keys: [...cell, text('currency')],
      sums: [amount('amount'), count('purchases')],
    },
    rows.revenueCells,
  );
  await addSums(
    client,
    {
      table: t.churnCells,
      keys: [GRAIN_COLUMN, SLOT_COLUMN],
      sums: [count('cancellations'), count('lost')],
    },
    rows.churnCells,
  );
  await addSums(
    client,
    {
      table: t.entryCells,
      keys: [GRAIN_COLUMN, SLOT_COLUMN, text('stage')],
      sums: [count('entered'), count('rose')],
    },
    rows.entryCells,
  );
  await addSums(
    client,
    { table: t.stageCounts, keys: [text('stage'), text('status')], sums: [count('customers')] },
    rows.stageCounts,
  );
  await addSums(
    client,
    {
      table: t.valueByStage,
      keys: [text('stage'), text('currency')],
      sums: [count('customers'), amount('amount')],
    },
    rows.valueByStage,
  );
  await addSums(
    client,
    {
      table: t.perceptionTotals,
      keys: [text('dim'), text('value')],
      sums: [count('pairs'), count('company_sum'), amount('customer_sum')],
    },
    rows.perceptionTotals,
  );
}
