import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  INGESTION_SERVICE,
  parseTouchpoint,
  parseTouchpointBatch,
  touchpointBodyOfMessage,
  type ValidationIssue,
} from '@cx/contracts';
import type { Touchpoint } from '@cx/domain';
import {
  AppException,
  isOversized,
  payloadTooLarge,
  type GrpcCall,
  type GrpcService,
  type GrpcServiceBinding,
} from '@cx/platform';
import { IngestionErrorCode, ingestionError } from './ingestion.exception';
import { SINGLE_BODY_LIMIT_BYTES } from './ingestion.http';
import { CLOCK, type Clock } from './infrastructure/ingestion.tokens';
import {
  RecordTouchpointBatchCommand,
  type RecordBatchResult,
} from './record-touchpoint-batch/record-touchpoint-batch.command';
import {
  RecordTouchpointCommand,
  type RecordResult,
} from './record-touchpoint/record-touchpoint.command';

/** Valid messages of a stream are stored this many at a time, in one transaction each. */
export const STREAM_CHUNK = 500;

interface StreamItemResult {
  readonly index: number;
  readonly touchpointId?: string;
  readonly status: 'accepted' | 'duplicate' | 'conflict' | 'invalid' | 'customer_erased';
  readonly position?: number;
  readonly violations: readonly { readonly field: string; readonly description: string }[];
}

interface Pending {
  readonly index: number;
  readonly touchpoint: Touchpoint;
}

function violationsOf(issues: readonly ValidationIssue[]): StreamItemResult['violations'] {
  return issues.map((issue) => ({ field: issue.path, description: issue.message }));
}

function sentId(message: unknown): { touchpointId?: string } {
  const id = (message as { touchpointId?: unknown } | null)?.touchpointId;
  return typeof id === 'string' ? { touchpointId: id } : {};
}

/**
 * TouchpointIngestion over gRPC: each method converts its message to the REST body, validates it
 * with the same parser and runs the same command as its REST route, so both answer alike.
 */
@Injectable()
export class TouchpointIngestionGrpc implements GrpcService {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  binding(): GrpcServiceBinding {
    const scopes = ['touchpoints:write'] as const;
    return {
      service: INGESTION_SERVICE,
      methods: {
        Record: {
          kind: 'unary',
          scopes,
          maxRequestBytes: SINGLE_BODY_LIMIT_BYTES,
          handle: (request, call) => this.record(request, call),
        },
        RecordBatch: {
          kind: 'unary',
          scopes,
          handle: (request, call) => this.recordBatch(request, call),
        },
        RecordStream: {
          kind: 'clientStream',
          scopes,
          maxMessageBytes: SINGLE_BODY_LIMIT_BYTES,
          handle: (requests, call) => this.recordStream(requests, call),
        },
      },
    };
  }

  /** = POST /v1/touchpoints */
  private record(message: unknown, { trace }: GrpcCall): Promise<RecordResult> {
    const parsed = parseTouchpoint(touchpointBodyOfMessage(message), { now: this.clock.now() });
    if (!parsed.ok) {
      throw ingestionError(
        IngestionErrorCode.InvalidTouchpoint,
        'invalid touchpoint',
        parsed.issues,
      );
    }
    return this.commandBus.execute(new RecordTouchpointCommand(parsed.touchpoint, trace));
  }

  /** = POST /v1/touchpoints/batch: one invalid item refuses them all. */
  private recordBatch(message: unknown, { trace }: GrpcCall): Promise<RecordBatchResult> {
    const items = (message as { touchpoints?: unknown[] } | null)?.touchpoints ?? [];
    const parsed = parseTouchpointBatch(
      { touchpoints: items.map(touchpointBodyOfMessage) },
      { now: this.clock.now() },
    );
    if (!parsed.ok) {
      throw ingestionError(IngestionErrorCode.InvalidBatch, 'invalid batch', parsed.issues);
    }
    return this.commandBus.execute(new RecordTouchpointBatchCommand(parsed.touchpoints, trace));
  }

  /**
   * Bulk load: each message is validated alone and answered alone. Valid ones are appended
   * STREAM_CHUNK at a time through the batch command (the batch's transaction and idempotency);
   * a store failure ends the call with its status, and what earlier chunks stored stays stored
   * (sending the stream again answers those as duplicates).
   */
  private async recordStream(
    messages: AsyncIterable<unknown>,
    { trace }: GrpcCall,
  ): Promise<{ results: StreamItemResult[]; summary: Record<string, number> }> {
    const results: StreamItemResult[] = [];
    let pending: Pending[] = [];
    const flush = async (): Promise<void> => {
      const chunk = pending;
      pending = [];
      for (const result of await this.appendChunk(chunk, trace)) results[result.index] = result;
    };
    let index = 0;
    for await (const message of messages) {
      const at = index;
      index += 1;
      if (isOversized(message)) {
        const refused = payloadTooLarge(SINGLE_BODY_LIMIT_BYTES);
        results[at] = { index: at, status: 'invalid', violations: violationsOf(refused.details) };
        continue;
      }
      const parsed = parseTouchpoint(touchpointBodyOfMessage(message), { now: this.clock.now() });
      if (!parsed.ok) {
        results[at] = {
          index: at,
          ...sentId(message),
          status: 'invalid',
          violations: violationsOf(parsed.issues),
        };
        continue;
      }
      pending.push({ index: at, touchpoint: parsed.touchpoint });
      if (pending.length >= STREAM_CHUNK) await flush();
    }
    if (pending.length > 0) await flush();
    const summary = { accepted: 0, duplicate: 0, conflict: 0, invalid: 0 };
    for (const result of results) {
      if (result.status === 'customer_erased') summary.invalid += 1;
      else summary[result.status] += 1;
    }
    return { results, summary };
  }

  /**
   * One chunk through the batch command. Touchpoints of an erased customer refuse a batch as a
   * whole; here they are answered on their own and the rest of the chunk is appended again.
   */
  private async appendChunk(
    chunk: readonly Pending[],
    trace: GrpcCall['trace'],
  ): Promise<StreamItemResult[]> {
    if (chunk.length === 0) return [];
    try {
      const stored: RecordBatchResult = await this.commandBus.execute(
        new RecordTouchpointBatchCommand(
          chunk.map((p) => p.touchpoint),
          trace,
        ),
      );
      return stored.results.map((result, i) => ({
        index: (chunk[i] as Pending).index,
        touchpointId: result.touchpointId,
        status: result.status,
        ...(result.position === null ? {} : { position: result.position }),
        violations: [],
      }));
    } catch (error) {
      if (
        !(error instanceof AppException) ||
        error.code !== String(IngestionErrorCode.CustomerErased)
      ) {
        throw error;
      }
      const erased = new Map<number, ValidationIssue>();
      for (const issue of error.details) {
        const match = /^touchpoints\[(\d+)\]\.(.*)$/.exec(issue.path);
        if (match !== null) {
          erased.set(Number(match[1]), { path: match[2] as string, message: issue.message });
        }
      }
      if (erased.size === 0) throw error;
      const refused = [...erased].map(([i, issue]) => {
        const item = chunk[i] as Pending;
        return {
          index: item.index,
          touchpointId: item.touchpoint.touchpointId,
          status: 'customer_erased' as const,
          violations: violationsOf([issue]),
        };
      });
      const rest = chunk.filter((_, i) => !erased.has(i));
      return [...refused, ...(await this.appendChunk(rest, trace))];
    }
  }
}
