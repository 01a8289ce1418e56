import { Counter, Histogram, type Registry } from 'prom-client';
import { DEAD_LETTER_CODES, type DeadLetterCode } from '@cx/contracts';

const APPLY_DURATION_BUCKETS = [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the inbound consumer did with a committed chunk of a partition. */
export interface InboundChunkReport {
  /** Messages whose offset the chunk's transaction moved past (redeliveries excluded). */
  readonly consumed: number;
  readonly appended: number;
  readonly deadLettered: ReadonlyMap<DeadLetterCode, number>;
  readonly seconds: number;
}

/** Told about every committed chunk; called on the hot path, so it must only count. */
export interface InboundObserver {
  committed(report: InboundChunkReport): void;
}

/** The inbound consumer's counts: consumed, appended and dead-lettered per code. */
export class InboundMetrics implements InboundObserver {
  private readonly consumed: Counter;
  private readonly appended: Counter;
  private readonly deadLettered: Counter<'code'>;
  private readonly duration: Histogram;

  constructor(registry: Registry) {
    this.consumed = new Counter({
      name: 'cx_inbound_consumed_messages_total',
      help: 'Messages of cx.touchpoints.inbound.v1 committed with their offset (redeliveries excluded).',
      registers: [registry],
    });
    this.appended = new Counter({
      name: 'cx_inbound_appended_touchpoints_total',
      help: 'Touchpoints of the inbound topic stored in the event store.',
      registers: [registry],
    });
    this.deadLettered = new Counter({
      name: 'cx_inbound_dead_lettered_messages_total',
      help: 'Messages of the inbound topic recorded as dead letters, by code.',
      labelNames: ['code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'cx_inbound_apply_duration_seconds',
      help: 'Time of the transaction that validates, appends and dead-letters a chunk and records its offset.',
      buckets: APPLY_DURATION_BUCKETS,
      registers: [registry],
    });
    for (const code of DEAD_LETTER_CODES) this.deadLettered.inc({ code }, 0);
  }

  committed(report: InboundChunkReport): void {
    this.consumed.inc(report.consumed);
    this.appended.inc(report.appended);
    for (const [code, count] of report.deadLettered) this.deadLettered.inc({ code }, count);
    this.duration.observe(report.seconds);
  }
}
