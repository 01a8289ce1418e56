import { isStoreUnavailable } from './store-unavailable';

const withCode = (code: string, message = 'x'): Error & { code: string } =>
  Object.assign(new Error(message), { code });

describe('isStoreUnavailable', () => {
  it.each([
    '08006',
    '08001',
    '57P01',
    '57P02',
    '57P03',
    '57P05',
    '53300',
    'ECONNREFUSED',
    'ECONNRESET',
  ])('counts %s as the database being out of reach', (code) =>
    expect(isStoreUnavailable(withCode(code))).toBe(true),
  );

  it('counts a terminated connection without a code as out of reach', () => {
    expect(isStoreUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it.each(['23505', '42P01', '22P02', '40001'])('does not count %s (a query problem)', (code) => {
    expect(isStoreUnavailable(withCode(code))).toBe(false);
  });

  it('does not count non-errors', () => {
    expect(isStoreUnavailable(null)).toBe(false);
    expect(isStoreUnavailable('Connection terminated')).toBe(false);
  });
});
