import { deriveProfile, deriveStageHistory } from '@cx/domain';
import { tp } from '@cx/domain/testing';
import { INSIGHT_TYPES, toInsightMessage } from '@cx/contracts';
import type { PositionedTouchpoint } from '@cx/read-models';
import { causeOf, columnsOf, insightsOf, projectCustomer } from './customer-profile.derivation';

const at = (position: number, touchpoint: ReturnType<typeof tp>): PositionedTouchpoint => ({
  touchpoint,
  position,
});

describe('customer profile projection', () => {
  const history = [
    at(3, tp({ touchpointId: 't3', interaction: 'purchase', day: 5 })),
    at(1, tp({ touchpointId: 't1', interaction: 'exposure', day: 0 })),
    at(2, tp({ touchpointId: 't2', interaction: 'inquiry', day: 1 })),
  ];

  it('given a history in any order, when projected, then it equals the domain profile and stage history', () => {
    const projected = projectCustomer(history);
    const touchpoints = history.map((h) => h.touchpoint);
    expect(projected.profile).toEqual(deriveProfile(touchpoints));
    expect(projected.stageHistory).toEqual(deriveStageHistory(touchpoints));
    expect(projectCustomer([...history].reverse())).toEqual(projected);
    expect(projected.lastPosition).toBe(3);
    expect(projected.columns).toEqual(columnsOf(projected.profile));
  });

  it('given a redelivered touchpoint in the history, when projected, then it counts once', () => {
    const withDuplicate = [...history, history[0] as PositionedTouchpoint];
    expect(projectCustomer(withDuplicate).profile).toEqual(projectCustomer(history).profile);
  });

  it('given several new touchpoints, the cause is the latest by event time, not by arrival', () => {
    const late = at(
      9,
      tp({ touchpointId: 'late-arrival-early-time', interaction: 'inquiry', day: 1 }),
    );
    const latest = at(
      4,
      tp({ touchpointId: 'latest', interaction: 'feedback', day: 7, emotion: 'enjoyment' }),
    );
    expect(causeOf([latest, late])).toMatchObject({ touchpointId: 'latest', position: 4 });
    expect(causeOf([late, latest]).touchpointId).toBe('latest');
  });

  it('given equal event times, the cause is decided by id, as the model orders them', () => {
    const a = at(1, tp({ touchpointId: 'a', interaction: 'exposure', day: 2 }));
    const b = at(2, tp({ touchpointId: 'b', interaction: 'exposure', day: 2 }));
    expect(causeOf([b, a]).touchpointId).toBe(causeOf([a, b]).touchpointId);
  });

  it('given a new customer, every watched value is an insight from null', () => {
    const after = projectCustomer(history).columns;
    const cause = causeOf(history);
    const insights = insightsOf('c1', null, after, cause);
    expect(insights.map((i) => i.type)).toEqual([
      INSIGHT_TYPES.stage,
      INSIGHT_TYPES.emotionLevel,
      INSIGHT_TYPES.loyaltyPosition,
      INSIGHT_TYPES.status,
    ]);
    expect(insights.every((i) => i.from === null)).toBe(true);
  });

  it('given unchanged values, there is no insight; given a changed stage, exactly one', () => {
    const before = projectCustomer(history.slice(1)).columns;
    const after = projectCustomer(history).columns;
    const cause = causeOf(history.slice(0, 1));
    expect(insightsOf('c1', after, after, cause)).toEqual([]);
    const changes = insightsOf('c1', before, after, cause);
    const stage = changes.find((c) => c.type === INSIGHT_TYPES.stage);
    expect(stage).toMatchObject({ from: before.stage, to: after.stage, customerId: 'c1' });
    expect(changes.filter((c) => c.type === INSIGHT_TYPES.stage)).toHaveLength(
      before.stage === after.stage ? 0 : 1,
    );
  });

  it('maps an insight to a CloudEvents binary-mode message keyed by customer', () => {
    const [insight] = insightsOf('c1', null, projectCustomer(history).columns, causeOf(history));
    if (insight === undefined) throw new Error('expected an insight');
    const message = toInsightMessage(insight, '2025-01-06T00:00:00.000Z');
    expect(message.key).toBe('c1');
    expect(message.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_type: insight.type,
      ce_subject: 'c1',
      ce_id: `t3/${insight.type}`,
      'content-type': 'application/json',
    });
    expect(JSON.parse(message.value.toString('utf8'))).toEqual({
      customerId: 'c1',
      from: null,
      to: insight.to,
      causedBy: insight.causedBy,
    });
  });
});
