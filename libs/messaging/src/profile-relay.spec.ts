import { toProfileMessage, type ProfileOutboxRow } from './profile-relay';

const row = (overrides: Partial<ProfileOutboxRow>): ProfileOutboxRow => ({
  position: '41',
  customer_id: 'c-42',
  profile: '{"customerId":"c-42","stage":"loyalty"}',
  profile_position: '1234',
  erased_at: null,
  created_at: new Date('2026-01-02T03:04:05.000Z'),
  ...overrides,
});

describe('toProfileMessage', () => {
  it('sends the stored profile text as it is, keyed by customer, with its position', () => {
    expect(toProfileMessage(row({}))).toEqual({
      key: 'c-42',
      value: '{"customerId":"c-42","stage":"loyalty"}',
      headers: { 'content-type': 'application/json', cx_position: '1234' },
    });
  });

  it('turns an erasure into a tombstone that says when the customer was erased', () => {
    const erasedAt = new Date('2026-02-03T04:05:06.789Z');
    expect(
      toProfileMessage(row({ profile: null, profile_position: null, erased_at: erasedAt })),
    ).toEqual({ key: 'c-42', value: null, headers: { cx_erased_at: '2026-02-03T04:05:06.789Z' } });
  });

  it('sends a tombstone without an erasure time when a rebuild no longer finds the customer', () => {
    expect(toProfileMessage(row({ profile: null, profile_position: null }))).toEqual({
      key: 'c-42',
      value: null,
      headers: {},
    });
  });
});
