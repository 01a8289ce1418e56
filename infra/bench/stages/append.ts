import { EventStore, PersonalDataCipher } from '@cx/event-store';
import { chunks, copyRows, eventRow, touchpoints, unnestInsert, unnestParams } from '../data';
import type { StageRow } from '../report';
import { closedLoop, interleave } from '../stats';
import { measure, n, rateRow, type StageContext } from './common';

/** The reference table: the event store's shape and indexes, without its append-only trigger. */
const CREATE_REFERENCE = `
  DROP TABLE IF EXISTS bench_ref;
  CREATE TABLE bench_ref (LIKE touchpoint_events INCLUDING ALL);
  CREATE SEQUENCE bench_ref_position_seq OWNED BY bench_ref.position;
  ALTER TABLE bench_ref ALTER position SET DEFAULT nextval('bench_ref_position_seq')`;

/**
 * 2. `EventStore.append` of 1,000-touchpoint batches on N concurrent callers, against a raw
 * `INSERT … SELECT FROM unnest` and a text COPY of the same rows into an identical table. Every
 * run starts from empty tables.
 */
export async function appendStage(ctx: StageContext): Promise<StageRow[]> {
  const { stack, settings, log } = ctx;
  const { batches, batchSize, callers: callerCounts } = settings.append;
  const total = batches * batchSize;
  await stack.resetDatabase();
  await stack.pool.query(CREATE_REFERENCE);
  const pool = stack.newPool(Math.max(...callerCounts));
  const store = new EventStore(pool, new PersonalDataCipher(stack.keyPool));
  const empty = async (): Promise<void> => {
    await pool.query('TRUNCATE touchpoint_events, bench_ref RESTART IDENTITY');
    await stack.keyPool.query('TRUNCATE customer_keys');
  };
  const rows: StageRow[] = [];
  try {
    for (const callers of callerCounts) {
      log(`append: ${n(total)} touchpoints in batches of ${n(batchSize)}, ${callers} caller(s)`);
      const runs = await interleave(settings.reps, {
        product: async (rep) => {
          const list = chunks(touchpoints(`a${rep}`, 0, total, total / 10), batchSize);
          await empty();
          return measure(stack, async () => {
            let accepted = 0;
            await closedLoop(list.length, callers, async (i) => {
              const results = await store.append(list[i] ?? []);
              accepted += results.filter((r) => r.status === 'accepted').length;
            });
            return accepted;
          });
        },
        unnest: async (rep) => {
          const list = chunks(
            touchpoints(`a${rep}`, 0, total, total / 10).map(eventRow),
            batchSize,
          );
          await empty();
          return measure(stack, async () => {
            await closedLoop(list.length, callers, async (i) => {
              await pool.query(unnestInsert('bench_ref'), unnestParams(list[i] ?? []));
            });
            return total;
          });
        },
        copy: async (rep) => {
          const list = chunks(
            touchpoints(`a${rep}`, 0, total, total / 10).map(eventRow),
            batchSize,
          );
          await empty();
          return measure(stack, async () => {
            await closedLoop(list.length, callers, (i) =>
              copyRows(pool, 'bench_ref', list[i] ?? []),
            );
            return total;
          });
        },
      });
      const common = {
        settings: `${n(total)} touchpoints, batches of ${n(batchSize)}, ${callers} caller(s), ${settings.reps} reps`,
        unit: 'rows/s',
        product: runs.product,
        target: '≥ 0.7× reference',
        minRatio: 0.7,
      };
      rows.push(
        rateRow({
          ...common,
          stage: `2. append, ${callers} caller(s), vs unnest`,
          reference: runs.unnest,
          referenceLabel: 'INSERT … unnest',
        }),
        rateRow({
          ...common,
          stage: `2. append, ${callers} caller(s), vs COPY`,
          reference: runs.copy,
          referenceLabel: 'COPY FROM STDIN',
        }),
      );
    }
  } finally {
    await pool.end();
    await stack.pool.query('DROP TABLE IF EXISTS bench_ref');
  }
  return rows;
}
