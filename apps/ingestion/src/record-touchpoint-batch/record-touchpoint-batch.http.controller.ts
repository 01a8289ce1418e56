import { Body, Controller, HttpCode, HttpStatus, Inject, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TouchpointBatchRequestDto } from '@cx/contracts';
import { parseTouchpointBatch, type TraceCarrier } from '@cx/contracts';
import { ApiErrorResponse, ApiJsonBody, BODY_ERRORS } from '@cx/platform';
import { INGESTION_ERRORS, TOUCHPOINT_BATCH_EXAMPLE } from '../ingestion.examples';
import { IngestionErrorCode, ingestionError } from '../ingestion.exception';
import { BATCH_BODY_LIMIT_BYTES } from '../ingestion.http';
import { CLOCK, type Clock } from '../infrastructure/ingestion.tokens';
import { RecordTouchpointBatchCommand } from './record-touchpoint-batch.command';
import { RecordTouchpointBatchResponseDto } from './record-touchpoint-batch.response.dto';
import { RequestTrace, RequireScope } from '@cx/platform';

@ApiTags('touchpoints')
@RequireScope('touchpoints:write')
@Controller('v1/touchpoints/batch')
export class RecordTouchpointBatchHttpController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'recordTouchpointBatch',
    summary: 'Record 1 to 1,000 touchpoints in one transaction',
    description:
      'Validated as a whole: one invalid item refuses the batch (400, each issue naming its item, e.g. ' +
      'touchpoints[3].survey.nps) and nothing is stored. Otherwise every item is stored in one transaction ' +
      'and gets its own result. Body limit 5 MB.',
  })
  @ApiJsonBody(TouchpointBatchRequestDto, {
    summary: 'A survey answer and a purchase of one customer',
    value: TOUCHPOINT_BATCH_EXAMPLE,
  })
  @ApiAcceptedResponse({ type: RecordTouchpointBatchResponseDto })
  @ApiErrorResponse(
    400,
    'Some item is invalid, or malformed JSON; nothing stored.',
    INGESTION_ERRORS.invalidBatch,
  )
  @ApiErrorResponse(413, 'Body over 5 MB.', BODY_ERRORS.payloadTooLarge(BATCH_BODY_LIMIT_BYTES))
  @ApiErrorResponse(415, 'Content-Type is not application/json.', BODY_ERRORS.unsupportedMediaType)
  @ApiErrorResponse(
    410,
    'customer_erased: an item names an erased customer (details give each path); nothing of the batch was stored.',
    INGESTION_ERRORS.batchCustomerErased,
  )
  @ApiErrorResponse(503, 'Event store unreachable; retry.', INGESTION_ERRORS.storeUnavailable)
  async recordBatch(
    @Body() body: unknown,
    @RequestTrace() trace: TraceCarrier | null,
  ): Promise<RecordTouchpointBatchResponseDto> {
    const parsed = parseTouchpointBatch(body, { now: this.clock.now() });
    if (!parsed.ok) {
      throw ingestionError(IngestionErrorCode.InvalidBatch, 'invalid batch', parsed.issues);
    }
    return this.commandBus.execute(new RecordTouchpointBatchCommand(parsed.touchpoints, trace));
  }
}
