import type { Readable, Writable } from 'node:stream';
import {
  deriveProfiles,
  deriveStageHistory,
  type JourneyDefinition,
  type Touchpoint,
} from '@cx/domain';
import { describeIssues, readTouchpointLines } from './touchpoint-line-reader';

export interface DeriveOptions {
  readonly input: Readable;
  readonly output: Writable;
  readonly errors: Writable;
  readonly definition: JourneyDefinition;
  /** Adds each customer's stage history to their line. */
  readonly withHistory: boolean;
  /** The clock used for the future-time check, as ingestion would apply it on arrival. */
  readonly now: Date;
}

export interface DeriveSummary {
  readonly lines: number;
  readonly accepted: number;
  readonly invalid: number;
  readonly conflicts: number;
  readonly customers: number;
}

/**
 * `cx derive`: every valid touchpoint in, one profile line per customer out, sorted by customer.
 * Invalid lines are reported with their number and skipped; conflicting versions of a touchpoint
 * (same id, other data) are reported and the first one read is kept, as the event store does.
 */
export async function runDerive(options: DeriveOptions): Promise<DeriveSummary> {
  const touchpoints: Touchpoint[] = [];
  let lines = 0;
  let invalid = 0;
  for await (const read of readTouchpointLines(options.input, options.now)) {
    lines = read.line;
    if (read.ok) {
      touchpoints.push(read.touchpoint);
    } else {
      invalid += 1;
      await write(options.errors, `line ${read.line}: ${describeIssues(read.issues)}\n`);
    }
  }
  const accepted = touchpoints.length;
  const groupsForHistory = options.withHistory ? groupIds(touchpoints) : null;
  const { profiles, conflicts } = deriveProfiles(touchpoints, options.definition);
  touchpoints.length = 0;
  for (const conflict of conflicts) {
    await write(
      options.errors,
      `conflict: touchpoint ${conflict.touchpointId} was sent again with other data; the first version is kept\n`,
    );
  }
  let chunk = '';
  for (const profile of profiles) {
    const history = groupsForHistory?.get(profile.customerId);
    const line = history
      ? { ...profile, stageHistory: deriveStageHistory(history, options.definition) }
      : profile;
    chunk += JSON.stringify(line) + '\n';
    if (chunk.length > 1 << 16) {
      await write(options.output, chunk);
      chunk = '';
    }
  }
  if (chunk !== '') await write(options.output, chunk);
  return { lines, accepted, invalid, conflicts: conflicts.length, customers: profiles.length };
}

function groupIds(touchpoints: readonly Touchpoint[]): Map<string, Touchpoint[]> {
  const groups = new Map<string, Touchpoint[]>();
  for (const t of touchpoints) {
    const list = groups.get(t.customerId);
    if (list) list.push(t);
    else groups.set(t.customerId, [t]);
  }
  return groups;
}

function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const flushed = stream.write(text, (error) => (error ? reject(error) : undefined));
    if (flushed) resolve();
    else stream.once('drain', resolve);
  });
}
