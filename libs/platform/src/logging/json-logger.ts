import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './log-level';

export type ServiceLogger = Logger;

/** Log lines waiting for a slow reader beyond this are dropped, not kept until memory runs out. */
const LOG_BUFFER_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Stdout, written from a buffer: a log reader that falls behind (a pipe whose other end is busy)
 * never stalls a request. Written synchronously instead, a full pipe makes each write wait, and
 * the service with it. What is still buffered at exit is flushed.
 */
function standardOutput(): DestinationStream {
  return pino.destination({ dest: 1, sync: false, maxLength: LOG_BUFFER_LIMIT_BYTES });
}

/**
 * One JSON object per line on stdout: `level` as a word, `time` in ISO 8601 and the service's
 * name on every line, so that a log shipper needs no parsing rules of its own.
 */
export function createServiceLogger(
  service: string,
  level: LogLevel = 'info',
  destination: DestinationStream = standardOutput(),
): ServiceLogger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

type PinoLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's logger interface on top of the service logger. Nest passes the context (a class or
 * component name) as the last argument and, for errors, a stack before it.
 */
export class NestJsonLogger implements LoggerService {
  constructor(private readonly logger: ServiceLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: PinoLevel, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const rest = [...params];
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') {
      fields.context = rest.pop();
    }
    const stack = rest.find((p): p is string => typeof p === 'string' && p.includes('\n    at '));
    if (message instanceof Error) {
      fields.err = message;
      this.logger[level](fields, message.message);
      return;
    }
    if (stack !== undefined) fields.stack = stack;
    if (typeof message === 'string') {
      this.logger[level](fields, message);
    } else {
      this.logger[level]({ ...fields, data: message });
    }
  }
}
