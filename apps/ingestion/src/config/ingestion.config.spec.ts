import { ConfigValidationError, validateConfig } from '@cx/platform';
import { IngestionConfig } from './ingestion.config';

describe('IngestionConfig', () => {
  it('runs locally with no environment at all', () => {
    expect({ ...validateConfig(IngestionConfig, {}) }).toEqual({
      PORT: 3000,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/cx_journey',
      KAFKA_BROKERS: '127.0.0.1:9092',
    });
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
    ['DATABASE_URL', 'mysql://x'],
    ['KAFKA_BROKERS', 'localhost'],
    ['CX_MASTER_KEY', 'c2hvcnQ='],
  ])('refuses to boot with %s=%s', (name, value) => {
    expect(() => validateConfig(IngestionConfig, { [name]: value })).toThrow(ConfigValidationError);
  });
});
