import { Logger, type LoggerService } from '@nestjs/common';

/**
 * The libraries log through Nest's Logger, which writes to standard output; a command whose
 * output is meant for a pipe (`cx keys create | tail -1`, a receipt as JSON) sends them to
 * standard error instead.
 */
export function logToStderr(): void {
  const write = (level: string) => (message: unknown, context?: unknown) => {
    const where = typeof context === 'string' ? ` [${context}]` : '';
    process.stderr.write(`cx ${level}${where}: ${String(message)}\n`);
  };
  const logger: LoggerService = {
    log: write('info'),
    error: write('error'),
    warn: write('warning'),
    debug: write('debug'),
    verbose: write('verbose'),
  };
  Logger.overrideLogger(logger);
}
