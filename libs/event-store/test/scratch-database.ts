import type { Touchpoint } from '@cx/domain';

export {
  createScratchDatabase,
  type ScratchDatabase,
} from '../../../test/support/scratch-database';

let counter = 0;

/** A valid touchpoint with a unique id unless one is given. */
export function touchpoint(customerId: string, overrides: Partial<Touchpoint> = {}): Touchpoint {
  counter += 1;
  return {
    touchpointId: `tp-${process.pid}-${Date.now().toString(36)}-${counter}`,
    customerId,
    occurredAt: new Date(Date.UTC(2025, 0, 1) + counter * 1000).toISOString(),
    channel: 'chat',
    category: 'interactive',
    interaction: 'survey_response',
    survey: { csat: 4, nps: 9 },
    sentiment: 0.5,
    ...overrides,
  } as Touchpoint;
}
