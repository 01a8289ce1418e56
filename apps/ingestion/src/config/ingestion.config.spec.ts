import { ConfigValidationError, validateConfig } from '@cx/platform';
import { IngestionConfig } from './ingestion.config';

describe('IngestionConfig', () => {
  it('runs locally with no environment at all', () => {
    expect({ ...validateConfig(IngestionConfig, {}) }).toEqual({
      PORT: 3000,
      GRPC_PORT: 50051,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/cx_journey',
      KAFKA_BROKERS: '127.0.0.1:9092',
      HOST: '127.0.0.1',
      CX_AUTH: 'on',
      CX_RATE_LIMIT_PER_SECOND: 5000,
      CX_RATE_LIMIT_BURST: 10000,
      CX_AUTH_FAILURES_PER_MINUTE: 30,
      CX_AUTH_CACHE_MS: 1000,
      CX_LOG_LEVEL: 'info',
      CX_INBOUND: 'on',
      CX_INBOUND_GROUP: 'cx-ingestion-inbound',
    });
  });

  it('switches the inbound consumer off, and refuses other values', () => {
    expect(validateConfig(IngestionConfig, { CX_INBOUND: 'off' }).CX_INBOUND).toBe('off');
    expect(() => validateConfig(IngestionConfig, { CX_INBOUND: 'yes' })).toThrow(
      /CX_INBOUND must be on or off/,
    );
    expect(() => validateConfig(IngestionConfig, { CX_INBOUND_GROUP: 'a group' })).toThrow(
      /CX_INBOUND_GROUP must be a Kafka group id/,
    );
  });

  it('refuses a log level it does not know', () => {
    expect(() => validateConfig(IngestionConfig, { CX_LOG_LEVEL: 'loud' })).toThrow(
      /CX_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/,
    );
  });

  it('needs all three OIDC settings or none', () => {
    expect(() => validateConfig(IngestionConfig, { CX_OIDC_ISSUER: 'https://id.example' })).toThrow(
      /CX_OIDC_AUDIENCE.*\n.*CX_OIDC_JWKS_URL|CX_OIDC_JWKS_URL/s,
    );
    const oidc = {
      CX_OIDC_ISSUER: 'https://id.example',
      CX_OIDC_AUDIENCE: 'cx-journey',
      CX_OIDC_JWKS_URL: 'https://id.example/.well-known/jwks.json',
    };
    expect(validateConfig(IngestionConfig, oidc)).toMatchObject(oidc);
  });

  it('reads the environment, converting PORT, and ignores other variables', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = validateConfig(IngestionConfig, {
      PORT: '3300',
      DATABASE_URL: 'postgresql://u@db:5432/x',
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      CX_MASTER_KEY: key,
      HOME: '/somewhere',
    });
    expect(config).toMatchObject({
      PORT: 3300,
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      CX_MASTER_KEY: key,
    });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['GRPC_PORT', 'grpc'],
    ['GRPC_PORT', '65536'],
    ['DATABASE_URL', 'mysql://x'],
    ['KAFKA_BROKERS', 'localhost'],
    ['CX_MASTER_KEY', 'c2hvcnQ='],
    ['CX_AUTH', 'no'],
    ['HOST', 'a b'],
    ['CX_RATE_LIMIT_PER_SECOND', '0'],
  ])('refuses to boot with %s=%s', (name, value) => {
    expect(() => validateConfig(IngestionConfig, { [name]: value })).toThrow(ConfigValidationError);
  });
});
