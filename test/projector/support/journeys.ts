import { deriveProfiles, deriveStageHistory, groupByCustomer, type Touchpoint } from '@cx/domain';
import { JourneyGenerator } from '../../../apps/cli/src/generate/journey-generator';

/** Journeys of `customers` customers, their ids prefixed so that phases never share a customer. */
export function journeys(
  prefix: string,
  customers: number,
  touchpoints: number,
  seed: number,
): Touchpoint[] {
  const out: Touchpoint[] = [];
  for (const t of new JourneyGenerator({ customers, touchpoints, seed }).touchpoints()) {
    const rename = (id: string): string => id.replace(/^c-/, `${prefix}-`);
    out.push({ ...t, customerId: rename(t.customerId), touchpointId: rename(t.touchpointId) });
  }
  return out;
}

/** A deterministic shuffle with some items sent twice (redeliveries at the door). */
export function shuffledWithDuplicates(
  list: readonly Touchpoint[],
  seed: number,
  share: number,
): Touchpoint[] {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
  const out = [...list];
  for (const t of list) if (next() < share) out.push(t);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const a = out[i] as Touchpoint;
    out[i] = out[j] as Touchpoint;
    out[j] = a;
  }
  return out;
}

export async function sendBatches(
  ingestionUrl: string,
  list: readonly Touchpoint[],
  size = 500,
): Promise<void> {
  for (let i = 0; i < list.length; i += size) {
    const response = await fetch(`${ingestionUrl}/v1/touchpoints/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ touchpoints: list.slice(i, i + size) }),
    });
    if (response.status !== 202) {
      throw new Error(`ingestion answered ${response.status}: ${await response.text()}`);
    }
  }
}

export interface ExpectedReadModel {
  readonly profiles: Map<string, unknown>;
  readonly stageHistories: Map<string, unknown>;
}

/** What the domain library computes from the same events: the oracle of every comparison. */
export function expectedReadModel(all: readonly Touchpoint[]): ExpectedReadModel {
  const profiles = new Map<string, unknown>(
    deriveProfiles(all).profiles.map((p) => [p.customerId, p]),
  );
  const stageHistories = new Map<string, unknown>();
  for (const [customerId, list] of groupByCustomer(all).groups) {
    stageHistories.set(customerId, deriveStageHistory(list));
  }
  return { profiles, stageHistories };
}
