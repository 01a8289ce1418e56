import { deadLetterMessage } from './dead-letter-relay';

describe('deadLetterMessage', () => {
  const row = {
    position: '42',
    code: 'key_mismatch',
    reason: 'the key (c-2) must be the customerId (c-1)',
    source_topic: 'cx.touchpoints.inbound.v1',
    source_partition: 3,
    source_offset: '1017',
    key: Buffer.from('c-2'),
    value: Buffer.from('{"customerId":"c-1"}'),
    headers: { ce_type: 'cx.touchpoint.submitted.v1', 'x-origin': 'crm' },
  };

  it('carries the original key, value and headers, then why and whence', () => {
    expect(deadLetterMessage(row)).toEqual({
      key: row.key,
      value: row.value,
      headers: {
        ce_type: 'cx.touchpoint.submitted.v1',
        'x-origin': 'crm',
        cx_deadletter_reason: row.reason,
        cx_deadletter_code: 'key_mismatch',
        cx_deadletter_id: '42',
        cx_original_topic: 'cx.touchpoints.inbound.v1',
        cx_original_partition: '3',
        cx_original_offset: '1017',
      },
    });
  });

  it('lets no original header pass for one of its own', () => {
    const forged = { ...row, headers: { cx_deadletter_id: '1', cx_original_offset: '0' } };
    expect(deadLetterMessage(forged).headers).toMatchObject({
      cx_deadletter_id: '42',
      cx_original_offset: '1017',
    });
  });

  it('sends a null value when the value was not kept', () => {
    expect(deadLetterMessage({ ...row, value: null }).value).toBeNull();
  });
});
