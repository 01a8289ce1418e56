import { logLevel, type LogEntry, type logCreator } from 'kafkajs';

/** The subset of Nest's `LoggerService` the Kafka client writes to. */
export interface KafkaLogger {
  error(message: string): void;
  warn(message: string): void;
  log(message: string): void;
  debug?(message: string): void;
}

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

const LEVELS: Record<KafkaLogLevel, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

export function toKafkaJsLevel(level: KafkaLogLevel): logLevel {
  return LEVELS[level];
}

export function isKafkaLogLevel(value: string | undefined): value is KafkaLogLevel {
  return value !== undefined && Object.prototype.hasOwnProperty.call(LEVELS, value);
}

// kafkajs hands over a structured entry; one line with the namespace and the interesting extra
// fields (broker, topic, error...) is what an operator needs, not the raw object.
export function formatLogEntry(entry: LogEntry): string {
  const { message, timestamp: _timestamp, logger: _logger, ...extra } = entry.log;
  const details = Object.entries(extra)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const prefix = entry.namespace ? `[${entry.namespace}] ` : '';
  return details ? `${prefix}${message} ${details}` : `${prefix}${message}`;
}

export function kafkaLogCreator(logger: KafkaLogger): logCreator {
  return () => (entry: LogEntry) => {
    const line = formatLogEntry(entry);
    switch (entry.level) {
      case logLevel.ERROR:
        logger.error(line);
        return;
      case logLevel.WARN:
        logger.warn(line);
        return;
      case logLevel.INFO:
        logger.log(line);
        return;
      case logLevel.DEBUG:
        logger.debug?.(line);
        return;
      case logLevel.NOTHING:
        return;
    }
  };
}
