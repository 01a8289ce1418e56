import { logLevel, type LogEntry } from 'kafkajs';
import { parseBrokers } from './create-kafka';
import { formatLogEntry, kafkaLogCreator, type KafkaLogger } from './kafka-logger';

function entry(level: logLevel, extra: Record<string, unknown> = {}): LogEntry {
  return {
    namespace: 'Connection',
    level,
    label: 'X',
    log: { timestamp: '2026-01-01T00:00:00.000Z', logger: 'kafkajs', message: 'boom', ...extra },
  };
}

function recordingLogger(): KafkaLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    error: (m) => lines.push(`error ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    log: (m) => lines.push(`log ${m}`),
    debug: (m) => lines.push(`debug ${m}`),
  };
}

describe('parseBrokers', () => {
  it('splits a comma-separated list and trims it', () => {
    expect(parseBrokers(' a:9092, b:9093 ,')).toEqual(['a:9092', 'b:9093']);
  });

  it('rejects an empty list', () => {
    expect(() => parseBrokers(' , ')).toThrow(/No Kafka broker/);
  });
});

describe('kafka logging', () => {
  it('puts namespace, message and extra fields on one line, without timestamp and logger', () => {
    expect(formatLogEntry(entry(logLevel.ERROR, { broker: '127.0.0.1:9092', retry: 2 }))).toBe(
      '[Connection] boom broker=127.0.0.1:9092 retry=2',
    );
  });

  it('routes each kafkajs level to the matching logger method', () => {
    const logger = recordingLogger();
    const write = kafkaLogCreator(logger)(logLevel.DEBUG);
    write(entry(logLevel.ERROR));
    write(entry(logLevel.WARN));
    write(entry(logLevel.INFO));
    write(entry(logLevel.DEBUG));
    write(entry(logLevel.NOTHING));
    expect(logger.lines).toEqual([
      'error [Connection] boom',
      'warn [Connection] boom',
      'log [Connection] boom',
      'debug [Connection] boom',
    ]);
  });
});
