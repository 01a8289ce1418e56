import fc from 'fast-check';
import { analyseHistory, deriveProfile } from './profile';
import { assessmentsAfterEachPrefix, deriveStageHistory } from './stage-history';
import { dedupeTouchpoints } from './dedupe';
import { inEventTimeOrder } from './history';
import { anyHistoryArb, reorderedCopy, shuffled } from './touchpoint-builders.test-support';

describe('order independence and idempotency (property)', () => {
  it('any permutation with any duplicates gives the same profile and stage history', () => {
    fc.assert(
      fc.property(
        anyHistoryArb(),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (history, seeds, duplicateIndexes) => {
          const duplicates = duplicateIndexes.flatMap((i) => {
            const t = history[i % history.length];
            return t === undefined ? [] : [reorderedCopy(t)];
          });
          const replayed = shuffled([...history, ...duplicates], seeds);
          expect(deriveProfile(replayed)).toEqual(deriveProfile(history));
          expect(deriveStageHistory(replayed)).toEqual(deriveStageHistory(history));
          expect(dedupeTouchpoints(replayed).conflicts).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the incremental replay equals a full recomputation after every prefix', () => {
    fc.assert(
      fc.property(anyHistoryArb('c1', 25), (history) => {
        const ordered = inEventTimeOrder(history);
        const incremental = assessmentsAfterEachPrefix(ordered);
        ordered.forEach((_, k) => {
          const prefix = ordered.slice(0, k + 1).map((t) => t.touchpoint);
          expect(incremental[k]).toEqual(analyseHistory(prefix).assessment);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('the last stage history entry is the profile stage and times add up', () => {
    fc.assert(
      fc.property(anyHistoryArb(), (history) => {
        const profile = deriveProfile(history);
        const h = deriveStageHistory(history);
        const last = h.entries[h.entries.length - 1];
        expect(last?.stage).toBe(profile.stage);
        expect(last?.leftAt).toBeNull();
        expect(h.entries[0]?.from).toBeNull();
        const total = Object.values(h.secondsInStage).reduce((a, b) => a + b, 0);
        const span =
          (Date.parse(profile.lastTouchpointAt) - Date.parse(profile.firstTouchpointAt)) / 1000;
        expect(total).toBeCloseTo(span, 6);
      }),
      { numRuns: 200 },
    );
  });
});
