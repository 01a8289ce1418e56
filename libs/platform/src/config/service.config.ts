import 'reflect-metadata';
import { IsIn } from 'class-validator';
import { AccessConfig } from '../auth/access.config';
import { LOG_LEVELS, type LogLevel } from '../logging/log-level';

/** The environment every HTTP service shares: access (see AccessConfig) and its log. */
export class ServiceConfig extends AccessConfig {
  /** `debug` adds the probes' request lines; `silent` writes no log at all. */
  @IsIn(LOG_LEVELS, { message: `CX_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  CX_LOG_LEVEL: LogLevel = 'info';
}
