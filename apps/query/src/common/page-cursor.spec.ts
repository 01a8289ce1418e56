import fc from 'fast-check';
import { decodeCursor, encodeCursor } from './page-cursor';

describe('page cursors', () => {
  it('give back the value they were made from', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/), (customerId) => {
        expect(decodeCursor('customers', encodeCursor('customers', customerId))).toBe(customerId);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (position) => {
        expect(decodeCursor('touchpoints', encodeCursor('touchpoints', position))).toBe(
          String(position),
        );
      }),
    );
  });

  it('refuse a cursor of the other listing', () => {
    expect(decodeCursor('customers', encodeCursor('touchpoints', 42))).toBeNull();
    expect(decodeCursor('touchpoints', encodeCursor('customers', 'cust-1'))).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['no prefix', Buffer.from('42').toString('base64url')],
    ['bad position', Buffer.from('t1:0').toString('base64url')],
    ['negative position', Buffer.from('t1:-1').toString('base64url')],
    ['non-canonical padding bits', `${encodeCursor('touchpoints', 5).slice(0, -1)}R`],
  ])('refuse %s', (_, cursor) => {
    expect(decodeCursor('touchpoints', cursor)).toBeNull();
  });

  it('refuse customer ids ingestion would not accept', () => {
    expect(decodeCursor('customers', Buffer.from('c1:has space').toString('base64url'))).toBeNull();
    expect(
      decodeCursor('customers', Buffer.from(`c1:${'x'.repeat(129)}`).toString('base64url')),
    ).toBeNull();
  });
});
