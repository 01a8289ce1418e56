import fc from 'fast-check';
import { deriveProfile } from './profile';
import { deriveStageHistory } from './stage-history';
import { historyArb } from './touchpoint-builders.test-support';

// Speed is measured by `npm run bench:derive`, never by a timed unit test; this one checks that a
// long history is handled whole and consistently.
describe('a customer with 5,000 touchpoints', () => {
  it('counts every touchpoint and ends its stage history at the profile stage', () => {
    const [history] = fc.sample(historyArb('big', 5000), { numRuns: 1, seed: 7 });
    if (history === undefined) throw new Error('no sample');
    const profile = deriveProfile(history);
    const stageHistory = deriveStageHistory(history);
    expect(profile.touchpoints).toBe(new Set(history.map((t) => t.touchpointId)).size);
    expect(stageHistory.entries.at(-1)?.stage).toBe(profile.stage);
    expect(stageHistory.entries.at(-1)?.leftAt).toBeNull();
    expect(stageHistory.entries[0]?.from).toBeNull();
  });
});
