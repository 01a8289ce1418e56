import 'reflect-metadata';
import { hostname } from 'node:os';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ServiceConfig } from '@cx/platform';

/** The projector's environment, validated at boot; the defaults run locally. */
export class ProjectorConfig extends ServiceConfig {
  /** Health and metrics; 0 picks a free port (tests). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3002;

  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/cx_journey';

  @Matches(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, {
    message: 'KAFKA_BROKERS must be host:port[,host:port…]',
  })
  KAFKA_BROKERS = '127.0.0.1:9092';

  /** Consumer group `<app>.<projection>`; its offsets live in `projection_offsets`. */
  @Matches(/^[A-Za-z0-9._-]{1,200}$/, { message: 'PROJECTOR_GROUP must be a Kafka group id' })
  PROJECTOR_GROUP = 'projector.customer-profiles';

  /** Messages applied per transaction (a Kafka batch is split into chunks of this size). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20000)
  PROJECTOR_CHUNK = 2000;

  /**
   * Partitions of one instance in flight at once. Their batches are applied together, in one
   * transaction per group (see `ProjectionEngine`), so the default takes every partition.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(6)
  PROJECTOR_CONCURRENCY = 6;

  /**
   * How long a silent instance keeps its partitions before the group hands them on (heartbeats
   * go every tenth of it). Short, so that an instance that died without leaving (a crash, a lost
   * host) stalls its partitions only that long; 6 s is the brokers' default minimum.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(6000)
  @Max(300000)
  PROJECTOR_SESSION_TIMEOUT_MS = 10000;

  /**
   * This instance across restarts, like Kafka's `group.instance.id` (which kafkajs does not
   * send): it must differ between instances running at the same time. A group member left behind
   * by an earlier run with the same id (killed without leaving the group) is removed at start, so
   * its partitions are reassigned at once instead of after the session timeout. Default:
   * `<hostname>:<PORT>`, which no two running instances share; none when PORT is 0.
   */
  /**
   * Purposes a customer must have granted before touchpoints serving them count in the analytics
   * (comma-separated); a touchpoint serving a withdrawn purpose never counts. None by default.
   */
  @IsOptional()
  @Matches(/^\s*([a-z][a-z0-9_.-]{0,63}\s*(,\s*[a-z][a-z0-9_.-]{0,63}\s*)*)?$/, {
    message:
      'CX_OPT_IN_PURPOSES must be comma-separated purposes such as analytics,marketing.email',
  })
  CX_OPT_IN_PURPOSES = '';

  @IsOptional()
  @Matches(/^[A-Za-z0-9._:-]{1,100}$/, {
    message: 'PROJECTOR_INSTANCE_ID must be 1 to 100 of A-Z a-z 0-9 . _ : -',
  })
  PROJECTOR_INSTANCE_ID?: string;
}

/** The instance id in effect (see `PROJECTOR_INSTANCE_ID`), or null when there is none. */
export function projectorInstanceId(
  config: Pick<ProjectorConfig, 'PORT' | 'PROJECTOR_INSTANCE_ID'>,
  host: string = hostname(),
): string | null {
  if (config.PROJECTOR_INSTANCE_ID !== undefined) return config.PROJECTOR_INSTANCE_ID;
  return config.PORT === 0 ? null : `${host}:${config.PORT}`;
}

/**
 * The Kafka client id of the projector's clients. With an instance id it names the instance, so
 * that the group's member list tells which member an earlier run of this instance left behind.
 */
export function projectorClientId(instanceId: string | null): string {
  return instanceId === null
    ? 'cx-projector'
    : `cx-projector.${instanceId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}
