import { CUSTOMER_ERASED_TYPE, INSIGHT_TYPES, toInsightMessage } from './customer-insight.event';

describe('toInsightMessage', () => {
  it('keys a change by customer and names it by its cause and type', () => {
    const message = toInsightMessage(
      {
        type: INSIGHT_TYPES.stage,
        customerId: 'c-1',
        from: 'selection',
        to: 'satisfaction',
        causedBy: {
          touchpointId: 'tp-9',
          occurredAt: '2025-01-01T00:00:00.000Z',
          interaction: 'purchase',
          channel: 'web',
          position: 9,
        },
      },
      '2025-01-01T00:00:01.000Z',
    );
    expect(message.key).toBe('c-1');
    expect(message.headers).toMatchObject({
      ce_id: `tp-9/${INSIGHT_TYPES.stage}`,
      ce_subject: 'c-1',
      ce_time: '2025-01-01T00:00:01.000Z',
    });
    expect(JSON.parse(message.value.toString('utf8'))).toMatchObject({
      from: 'selection',
      to: 'satisfaction',
    });
  });

  it('announces an erasure keyed by customer, with the erasure as id and its time', () => {
    const message = toInsightMessage(
      {
        type: CUSTOMER_ERASED_TYPE,
        customerId: 'c-2',
        erasureId: 'e-1',
        erasedAt: '2026-12-02T10:00:00.000Z',
      },
      '2026-12-02T10:00:05.000Z',
    );
    expect(message.key).toBe('c-2');
    expect(message.headers).toMatchObject({
      ce_id: 'erasure/e-1',
      ce_type: 'cx.customer.erased.v1',
      ce_time: '2026-12-02T10:00:00.000Z',
    });
    expect(JSON.parse(message.value.toString('utf8'))).toEqual({
      customerId: 'c-2',
      erasureId: 'e-1',
      erasedAt: '2026-12-02T10:00:00.000Z',
    });
  });
});
