import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Pool } from 'pg';
import { deriveProfile, type Touchpoint } from '@cx/domain';
import { TOPICS } from '@cx/contracts';
import { eventually } from '../../support/eventually';
import { journeys } from '../../projector/support/journeys';
import { recordFaultRow, type FaultReportRow } from '../../support/fault-report';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Answer {
  readonly at: number;
  /** 0: no HTTP answer (connection refused or reset, or the client's timeout). */
  readonly status: number;
  readonly retryAfter: string | null;
  readonly error?: string;
}

/** The kind a client-visible error is counted under in the report. */
export function errorKind(answer: Answer): string {
  return answer.status === 0 ? 'reset/timeout' : String(answer.status);
}

interface BatchResult {
  readonly touchpointId: string;
  readonly status: 'accepted' | 'duplicate' | 'conflict';
  readonly position: number | null;
}

/**
 * What a client was told: every touchpoint it sent (payloads by id) and every one acknowledged
 * with a 202 (accepted or duplicate, with its position), plus the client-visible errors by kind.
 * `verifyLedger` checks the stack against it.
 */
export class Ledger {
  readonly sent = new Map<string, Touchpoint>();
  /** touchpointId → position, in the order acknowledged. */
  readonly acknowledged = new Map<string, number>();
  /** Every answer other than 202, writes and reads. */
  readonly refusals: Answer[] = [];
  readonly errors: Record<string, number> = {};

  recordError(answer: Answer, prefix = ''): void {
    this.refusals.push(answer);
    const kind = `${prefix}${errorKind(answer)}`;
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  /**
   * Posts one batch and records the answer: a 202 acknowledges the items accepted or duplicate
   * with a position; anything else is a client-visible error.
   */
  async post(
    ingestionUrl: string,
    batch: readonly Touchpoint[],
    timeoutMs = 10_000,
  ): Promise<Answer> {
    for (const t of batch) this.sent.set(t.touchpointId, t);
    let answer: Answer;
    try {
      const response = await fetch(`${ingestionUrl}/v1/touchpoints/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ touchpoints: batch }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = await response.text();
      answer = {
        at: Date.now(),
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        ...(response.status === 202 ? {} : { error: body }),
      };
      if (response.status === 202) {
        const { results } = JSON.parse(body) as { results: BatchResult[] };
        for (const r of results) {
          if (r.status !== 'conflict' && r.position !== null) {
            this.acknowledged.set(r.touchpointId, r.position);
          }
        }
        const conflicts = results.filter((r) => r.status === 'conflict').length;
        if (conflicts > 0) this.errors.conflict = (this.errors.conflict ?? 0) + conflicts;
        return answer;
      }
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      const why = cause instanceof Error ? ` (${cause.message})` : '';
      answer = { at: Date.now(), status: 0, retryAfter: null, error: `${String(error)}${why}` };
    }
    this.recordError(answer);
    return answer;
  }

  /**
   * Posts `batch` until it is acknowledged (the same touchpoints each time, so a commit whose
   * answer was lost comes back as duplicates), waiting `Retry-After` (at most 1 s) after a 503
   * and `pauseMs` after no answer. Stops retrying when `keepGoing` turns false.
   */
  async deliver(
    url: () => string,
    batch: readonly Touchpoint[],
    keepGoing: () => boolean,
    options: { pauseMs?: number; timeoutMs?: number } = {},
  ): Promise<boolean> {
    for (;;) {
      const answer = await this.post(url(), batch, options.timeoutMs);
      if (answer.status === 202) return true;
      if (!keepGoing()) return false;
      const retryAfterMs = Number(answer.retryAfter ?? 0) * 1000;
      await sleep(Math.min(1000, retryAfterMs || (options.pauseMs ?? 200)));
    }
  }

  /** Sends `list` in batches of `size`, each retried until acknowledged (at most `timeoutMs`). */
  async send(
    url: string,
    list: readonly Touchpoint[],
    size = 500,
    timeoutMs = 60_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < list.length; i += size) {
      const ok = await this.deliver(
        () => url,
        list.slice(i, i + size),
        () => Date.now() < deadline,
      );
      if (!ok) throw new Error(`batch ${i / size} not acknowledged within ${timeoutMs} ms`);
    }
  }

  /** Acknowledged ids not yet in the ledger `before` (a snapshot of `acknowledged.size`). */
  acknowledgedSince(before: number): string[] {
    return [...this.acknowledged.keys()].slice(before);
  }
}

/**
 * An open-loop load: a new batch of fresh touchpoints every `everyMs` whatever the answers to the
 * earlier ones (1,000 touchpoints/s by default), each retried until acknowledged. `stop` ends the
 * arrivals and waits for the batches in flight to be acknowledged (at most `drainMs`).
 */
export class OpenLoad {
  readonly ledger: Ledger;
  private readonly pending: Touchpoint[];
  private readonly inFlight = new Set<Promise<void>>();
  private arriving = true;
  private retrying = true;
  private readonly loop: Promise<void>;
  /** Batches given up at the drain deadline (their touchpoints stay unacknowledged). */
  abandoned = 0;
  /** The arrivals ran out of touchpoints before `stop`. */
  exhausted = false;

  constructor(
    private readonly url: () => string,
    options: {
      ledger?: Ledger;
      batchSize?: number;
      everyMs?: number;
      supply?: number;
      timeoutMs?: number;
    } = {},
  ) {
    this.ledger = options.ledger ?? new Ledger();
    const prefix = `o${randomBytes(4).toString('hex')}`;
    const supply = options.supply ?? 100_000;
    // Ten per customer: longer journeys would run past the clock, which ingestion refuses.
    this.pending = journeys(prefix, Math.ceil(supply / 10), supply, 31);
    this.loop = this.run(
      options.batchSize ?? 50,
      options.everyMs ?? 50,
      options.timeoutMs ?? 10_000,
    );
  }

  private async run(batchSize: number, everyMs: number, timeoutMs: number): Promise<void> {
    const started = Date.now();
    for (let k = 1; this.arriving; k++) {
      const batch = this.pending.splice(0, batchSize);
      if (batch.length === 0) {
        this.exhausted = true;
        return;
      }
      const task = this.ledger
        .deliver(this.url, batch, () => this.retrying, { timeoutMs })
        .then((ok) => {
          if (!ok) this.abandoned++;
        });
      this.inFlight.add(task);
      void task.finally(() => this.inFlight.delete(task));
      // Paced against the start, so slow answers never slow the arrivals down.
      await sleep(Math.max(0, started + k * everyMs - Date.now()));
    }
  }

  /** Resolves once `n` more touchpoints than now are acknowledged. */
  async more(n: number, timeoutMs = 60_000): Promise<void> {
    const target = this.ledger.acknowledged.size + n;
    const errorsBefore = this.ledger.refusals.length;
    try {
      await eventually(
        `${n} more acknowledged touchpoints`,
        () => Promise.resolve(this.ledger.acknowledged.size >= target ? true : undefined),
        timeoutMs,
        20,
      );
    } catch (error) {
      // What the clients were answered meanwhile says why nothing was acknowledged.
      const seen = this.ledger.refusals.slice(errorsBefore);
      const last = seen.slice(-3).map((a) => `${a.status} ${a.error ?? ''}`.slice(0, 300));
      throw new Error(
        `${(error as Error).message} (${this.ledger.acknowledged.size - target + n} of ${n} came; ` +
          `${seen.length} refused or unanswered meanwhile${last.length > 0 ? `, the last: ${last.join(' | ')}` : ''})`,
      );
    }
  }

  async stop(drainMs = 60_000): Promise<void> {
    this.arriving = false;
    await this.loop;
    const deadline = setTimeout(() => (this.retrying = false), drainMs);
    try {
      while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    } finally {
      clearTimeout(deadline);
      this.retrying = false;
    }
  }
}

/** Reads customer profiles of acknowledged touchpoints with `minPosition` while it runs. */
export class Reader {
  private running = true;
  private readonly loop: Promise<void>;
  reads = 0;

  constructor(
    private readonly url: () => string,
    private readonly ledger: Ledger,
    everyMs = 100,
  ) {
    this.loop = (async () => {
      while (this.running) {
        await this.readOne();
        await sleep(everyMs);
      }
    })();
  }

  private async readOne(): Promise<void> {
    let last: [string, number] | undefined;
    for (const entry of this.ledger.acknowledged) last = entry;
    if (last === undefined) return;
    const customerId = this.ledger.sent.get(last[0])?.customerId;
    if (customerId === undefined) return;
    this.reads++;
    try {
      const response = await fetch(
        `${this.url()}/v1/customers/${encodeURIComponent(customerId)}?minPosition=${last[1]}`,
        { signal: AbortSignal.timeout(10_000) },
      );
      await response.arrayBuffer();
      if (response.status !== 200) {
        this.ledger.recordError(
          {
            at: Date.now(),
            status: response.status,
            retryAfter: response.headers.get('retry-after'),
          },
          'read ',
        );
      }
    } catch (error) {
      this.ledger.recordError(
        { at: Date.now(), status: 0, retryAfter: null, error: String(error) },
        'read ',
      );
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

export interface LedgerVerdict {
  readonly acknowledged: number;
  /** Acknowledged, but not stored, stored at another position, not published or not projected. */
  readonly lost: number;
  /** Stored or applied more than once, or a profile other than the domain's. */
  readonly doubled: number;
  readonly notStored: string[];
  readonly wrongPosition: string[];
  readonly notProjected: string[];
  readonly storedTwice: string[];
  readonly projectedTwice: string[];
  /** Stored ids the client never sent (nothing may appear that no one claimed). */
  readonly phantoms: string[];
  /** Stored ids sent but never acknowledged (their batch was given up): reported, not lost. */
  readonly storedUnacknowledged: number;
  readonly relayCheckpoint: number;
  readonly highestAcknowledged: number;
  /** Customers whose stored profile is not the domain's `deriveProfile` of their stored touchpoints. */
  readonly profileMismatches: string[];
  readonly customers: number;
}

const count = (rows: { id: string; n: string }[]): Map<string, number> =>
  new Map(rows.map((r) => [r.id, Number(r.n)]));

/**
 * Checks the stack against the ledger, after waiting (bounded) for it to settle:
 * - stored once: every acknowledged id in touchpoint_events exactly once, at the acknowledged
 *   position, and no stored touchpoint of the run that the client never sent;
 * - published: the relay checkpoint reaches the highest acknowledged position;
 * - projected exactly: every acknowledged id in projection_touchpoints once, and every affected
 *   customer's profile equal to the domain library's `deriveProfile` over their stored touchpoints.
 * Stored payloads are encrypted in part; the touchpoints derived from are the ones the client sent
 * under the stored ids (the store refuses another payload under a stored id with a conflict).
 */
export async function verifyLedger(
  pool: Pool,
  ledger: Ledger,
  options: { settleMs?: number } = {},
): Promise<LedgerVerdict> {
  const settleMs = options.settleMs ?? 120_000;
  const ids = [...ledger.acknowledged.keys()];
  const highest = Math.max(0, ...ledger.acknowledged.values());
  const checkpointName = `kafka:${TOPICS.touchpoints}`;
  const checkpoint = async (): Promise<number> => {
    const { rows } = await pool.query<{ position: string }>(
      'SELECT position FROM relay_checkpoints WHERE name = $1',
      [checkpointName],
    );
    return Number(rows[0]?.position ?? 0);
  };
  const applied = async (): Promise<number> => {
    const { rows } = await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM projection_touchpoints WHERE touchpoint_id = ANY($1::text[])',
      [ids],
    );
    return Number(rows[0]?.n ?? 0);
  };
  // Bounded waits; what is still missing afterwards is counted, not thrown.
  await eventually(
    'the relay to publish every acknowledged position',
    async () => ((await checkpoint()) >= highest ? true : undefined),
    settleMs,
    100,
  ).catch(() => undefined);
  await eventually(
    'every acknowledged touchpoint to be projected',
    async () => ((await applied()) >= ids.length ? true : undefined),
    settleMs,
    100,
  ).catch(() => undefined);

  const stored = await pool.query<{ id: string; n: string; position: string }>(
    `SELECT touchpoint_id AS id, count(*) AS n, min(position) AS position
       FROM touchpoint_events WHERE touchpoint_id = ANY($1::text[]) GROUP BY touchpoint_id`,
    [ids],
  );
  const storedCount = count(stored.rows);
  const storedAt = new Map(stored.rows.map((r) => [r.id, Number(r.position)]));
  const projected = await pool.query<{ id: string; n: string }>(
    `SELECT touchpoint_id AS id, count(*) AS n
       FROM projection_touchpoints WHERE touchpoint_id = ANY($1::text[]) GROUP BY touchpoint_id`,
    [ids],
  );
  const projectedCount = count(projected.rows);
  const relayCheckpoint = await checkpoint();

  const notStored = ids.filter((id) => (storedCount.get(id) ?? 0) === 0);
  const wrongPosition = ids.filter(
    (id) => storedAt.has(id) && storedAt.get(id) !== ledger.acknowledged.get(id),
  );
  const notProjected = ids.filter((id) => (projectedCount.get(id) ?? 0) === 0);
  const storedTwice = ids.filter((id) => (storedCount.get(id) ?? 0) > 1);
  const projectedTwice = ids.filter((id) => (projectedCount.get(id) ?? 0) > 1);

  // Every stored touchpoint of the affected customers, and their profiles.
  const customers = [...new Set(ids.map((id) => ledger.sent.get(id)?.customerId ?? ''))].filter(
    (c) => c !== '',
  );
  const ofCustomers = await pool.query<{ id: string; customer_id: string }>(
    'SELECT touchpoint_id AS id, customer_id FROM touchpoint_events WHERE customer_id = ANY($1::text[])',
    [customers],
  );
  const phantoms: string[] = [];
  let storedUnacknowledged = 0;
  const history = new Map<string, Touchpoint[]>();
  for (const row of ofCustomers.rows) {
    const t = ledger.sent.get(row.id);
    if (t === undefined) {
      phantoms.push(row.id);
      continue;
    }
    if (!ledger.acknowledged.has(row.id)) storedUnacknowledged++;
    const list = history.get(row.customer_id);
    if (list === undefined) history.set(row.customer_id, [t]);
    else list.push(t);
  }
  const profiles = await pool.query<{ customer_id: string; profile: unknown }>(
    'SELECT customer_id, profile FROM customer_profiles WHERE customer_id = ANY($1::text[])',
    [customers],
  );
  const actual = new Map(profiles.rows.map((r) => [r.customer_id, r.profile]));
  const profileMismatches = customers.filter((c) => {
    const expected: unknown = JSON.parse(JSON.stringify(deriveProfile(history.get(c) ?? [])));
    return !isDeepStrictEqual(actual.get(c), expected);
  });

  const unpublished =
    relayCheckpoint >= highest
      ? 0
      : ids.filter((id) => (ledger.acknowledged.get(id) ?? 0) > relayCheckpoint).length;
  const lost = new Set([...notStored, ...wrongPosition, ...notProjected]).size + unpublished;
  const doubled =
    storedTwice.length + projectedTwice.length + phantoms.length + profileMismatches.length;
  return {
    acknowledged: ids.length,
    lost,
    doubled,
    notStored,
    wrongPosition,
    notProjected,
    storedTwice,
    projectedTwice,
    phantoms,
    storedUnacknowledged,
    relayCheckpoint,
    highestAcknowledged: highest,
    profileMismatches,
    customers: customers.length,
  };
}

/** Writes the fault's report row from the verdict and prints it. */
export function reportFault(
  fault: string,
  ledger: Ledger,
  verdict: LedgerVerdict,
  recoveryMs: number | null,
  notes = '',
): FaultReportRow {
  const extra = [
    verdict.storedUnacknowledged > 0 ? `${verdict.storedUnacknowledged} stored unacknowledged` : '',
    verdict.profileMismatches.length > 0
      ? `${verdict.profileMismatches.length} profiles differ`
      : '',
    notes,
  ].filter((s) => s !== '');
  const row: FaultReportRow = {
    fault,
    acknowledged: verdict.acknowledged,
    lost: verdict.lost,
    doubled: verdict.doubled,
    errors: { ...ledger.errors },
    recoveryMs,
    ...(extra.length > 0 ? { notes: extra.join('; ') } : {}),
  };
  recordFaultRow(row);
  console.log(`fault report row: ${JSON.stringify(row)}`);
  return row;
}

/** The verdict's failures, for one readable assertion (`expect(failures(v)).toEqual({})`). */
export function failures(verdict: LedgerVerdict): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const sample = (list: readonly string[]): string[] => list.slice(0, 5);
  if (verdict.notStored.length)
    out.notStored = [verdict.notStored.length, sample(verdict.notStored)];
  if (verdict.wrongPosition.length)
    out.wrongPosition = [verdict.wrongPosition.length, sample(verdict.wrongPosition)];
  if (verdict.notProjected.length)
    out.notProjected = [verdict.notProjected.length, sample(verdict.notProjected)];
  if (verdict.storedTwice.length)
    out.storedTwice = [verdict.storedTwice.length, sample(verdict.storedTwice)];
  if (verdict.projectedTwice.length)
    out.projectedTwice = [verdict.projectedTwice.length, sample(verdict.projectedTwice)];
  if (verdict.phantoms.length) out.phantoms = [verdict.phantoms.length, sample(verdict.phantoms)];
  if (verdict.profileMismatches.length)
    out.profileMismatches = [verdict.profileMismatches.length, sample(verdict.profileMismatches)];
  if (verdict.relayCheckpoint < verdict.highestAcknowledged) {
    out.unpublished = { checkpoint: verdict.relayCheckpoint, highest: verdict.highestAcknowledged };
  }
  return out;
}
