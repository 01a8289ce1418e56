import type { Logger } from '@nestjs/common';
import type { Consumer, ConsumerCrashEvent } from 'kafkajs';

export interface AssignmentHooks {
  /** False once the consumer was replaced or stopped: its late events are ignored. */
  isCurrent(): boolean;
  /** After a join was recorded and logged: the place to seek to the recorded offsets. */
  onJoin(partitions: readonly number[]): void;
  /** After a crash took the member out of the group. */
  onCrash(event: ConsumerCrashEvent): void;
}

/**
 * What a group member of a consumer that keeps its offsets in the database holds: the partitions
 * of `topic` assigned to it, whether it is joined and fetching, and which partitions were already
 * sought back once to their recorded offset in this assignment (past that, a gap is accepted:
 * the log no longer holds the recorded offset).
 */
export class GroupAssignment {
  private joined = false;
  /** A fetch started since the last assignment. */
  private fetching = false;
  private readonly assigned = new Set<number>();
  private readonly soughtBack = new Set<number>();

  constructor(
    private readonly topic: string,
    /** The owning consumer's logger, so log lines keep its context. */
    private readonly logger: Logger,
  ) {}

  get isJoined(): boolean {
    return this.joined;
  }

  /** Joined, and fetching its partitions (or standing by with none assigned). */
  get isConsuming(): boolean {
    return this.joined && (this.assigned.size === 0 || this.fetching);
  }

  partitions(): number[] {
    return [...this.assigned].sort((a, b) => a - b);
  }

  holds(partition: number): boolean {
    return this.assigned.has(partition);
  }

  /** Follows the group events of a new consumer. */
  follow(consumer: Consumer, hooks: AssignmentHooks): void {
    const current = (): boolean => hooks.isCurrent();
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (!current()) return;
      const partitions = event.payload.memberAssignment[this.topic] ?? [];
      this.assigned.clear();
      this.soughtBack.clear();
      for (const p of partitions) this.assigned.add(p);
      this.joined = true;
      this.fetching = false;
      this.logger.log(`assigned partitions [${partitions.join(', ')}] of ${this.topic}`);
      hooks.onJoin(partitions);
    });
    consumer.on(consumer.events.FETCH_START, () => {
      if (current() && this.joined) this.fetching = true;
    });
    // The group rebalances: partitions are revoked until the next GROUP_JOIN.
    consumer.on(consumer.events.REBALANCING, () => {
      if (current()) this.leave();
    });
    consumer.on(consumer.events.STOP, () => {
      if (current()) this.leave();
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!current()) return;
      this.leave();
      hooks.onCrash(event);
    });
  }

  /** Until the next GROUP_JOIN this member holds no partition. */
  leave(): void {
    this.joined = false;
    this.fetching = false;
    this.assigned.clear();
  }

  /** Out of the group, but the last assignment stays listed until the next join. */
  leaveKeepingAssignment(): void {
    this.joined = false;
    this.fetching = false;
  }

  /** A partition sought back once already: its next chunk is applied across the gap. */
  acceptsGap(partition: number): boolean {
    return this.soughtBack.has(partition);
  }

  /**
   * A chunk started after the database's offset: Kafka skipped messages (its offset ahead of the
   * database's), so the partition is fetched again from the recorded offset, once per assignment.
   */
  seekBack(
    consumer: Consumer | null,
    topic: string,
    partition: number,
    fetchedFrom: string | undefined,
    recordedOffset: string,
  ): void {
    this.logger.warn(
      `${topic}[${partition}] fetched from ${fetchedFrom ?? '?'} but the database resumes at ${recordedOffset}: seeking back`,
    );
    this.soughtBack.add(partition);
    consumer?.seek({ topic, partition, offset: recordedOffset });
  }
}
