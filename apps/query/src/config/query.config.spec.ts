import { ConfigValidationError, validateConfig } from '@cx/platform';
import { QueryConfig } from './query.config';

describe('QueryConfig', () => {
  it('runs locally with no environment at all', () => {
    expect(validateConfig(QueryConfig, {})).toMatchObject({
      PORT: 3001,
      GRPC_PORT: 50052,
      QUERY_DEFAULT_WAIT_MS: 5000,
    });
  });

  it('reads GRPC_PORT, 0 meaning a free port', () => {
    expect(validateConfig(QueryConfig, { GRPC_PORT: '0' }).GRPC_PORT).toBe(0);
    expect(validateConfig(QueryConfig, { GRPC_PORT: '6052' }).GRPC_PORT).toBe(6052);
    expect(() => validateConfig(QueryConfig, { GRPC_PORT: '-1' })).toThrow(
      /GRPC_PORT must be a port number from 0 to 65535/,
    );
  });

  it('reads numbers from environment strings', () => {
    expect(
      validateConfig(QueryConfig, { PORT: '3901', QUERY_DEFAULT_WAIT_MS: '250' }),
    ).toMatchObject({
      PORT: 3901,
      QUERY_DEFAULT_WAIT_MS: 250,
    });
  });

  it('takes the URL clients reach the service at (OpenAPI servers)', () => {
    expect(validateConfig(QueryConfig, {}).CX_PUBLIC_URL).toBeUndefined();
    expect(
      validateConfig(QueryConfig, { CX_PUBLIC_URL: 'https://api.example.com/query' }).CX_PUBLIC_URL,
    ).toBe('https://api.example.com/query');
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', 'http'],
    ['GRPC_PORT', '65536'],
    ['GRPC_PORT', 'grpc'],
    ['QUERY_DEFAULT_WAIT_MS', '30001'],
    ['DATABASE_URL', 'mysql://x'],
    ['CX_MASTER_KEY', 'short'],
    ['CX_PUBLIC_URL', 'api.example.com'],
    ['CX_PUBLIC_URL', 'ftp://api.example.com'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => validateConfig(QueryConfig, { [name]: value })).toThrow(ConfigValidationError);
  });
});
