import { ConfigValidationError, validateConfig } from '@cx/platform';
import { QueryConfig } from './query.config';

describe('QueryConfig', () => {
  it('runs locally with no environment at all', () => {
    expect(validateConfig(QueryConfig, {})).toMatchObject({
      PORT: 3001,
      QUERY_DEFAULT_WAIT_MS: 5000,
    });
  });

  it('reads numbers from environment strings', () => {
    expect(
      validateConfig(QueryConfig, { PORT: '3901', QUERY_DEFAULT_WAIT_MS: '250' }),
    ).toMatchObject({
      PORT: 3901,
      QUERY_DEFAULT_WAIT_MS: 250,
    });
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', 'http'],
    ['QUERY_DEFAULT_WAIT_MS', '30001'],
    ['DATABASE_URL', 'mysql://x'],
    ['CX_MASTER_KEY', 'short'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => validateConfig(QueryConfig, { [name]: value })).toThrow(ConfigValidationError);
  });
});
