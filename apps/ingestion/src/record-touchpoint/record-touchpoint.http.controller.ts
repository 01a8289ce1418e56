import { Body, Controller, HttpCode, HttpStatus, Inject, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TouchpointRequestDto } from '@cx/contracts';
import { parseTouchpoint, type TraceCarrier } from '@cx/contracts';
import { ApiErrorResponse, ApiJsonBody, BODY_ERRORS } from '@cx/platform';
import { INGESTION_ERRORS, TOUCHPOINT_EXAMPLE } from '../ingestion.examples';
import { IngestionErrorCode, ingestionError } from '../ingestion.exception';
import { SINGLE_BODY_LIMIT_BYTES } from '../ingestion.http';
import { CLOCK, type Clock } from '../infrastructure/ingestion.tokens';
import { RecordTouchpointCommand } from './record-touchpoint.command';
import { RecordTouchpointResponseDto } from './record-touchpoint.response.dto';
import { RequestTrace, RequireScope } from '@cx/platform';

@ApiTags('touchpoints')
@RequireScope('touchpoints:write')
@Controller('v1/touchpoints')
export class RecordTouchpointHttpController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'recordTouchpoint',
    summary: 'Record one touchpoint',
    description:
      'Validates and stores one touchpoint in the event store; it is then published to cx.touchpoints.v1. ' +
      'Safe to retry with the same touchpointId. Body limit 1 MB.',
  })
  @ApiJsonBody(TouchpointRequestDto, {
    summary: 'A survey answer after a chat',
    value: TOUCHPOINT_EXAMPLE,
  })
  @ApiAcceptedResponse({
    type: RecordTouchpointResponseDto,
    description: 'Stored (accepted) or already stored (duplicate).',
  })
  @ApiErrorResponse(
    400,
    'Invalid touchpoint or malformed JSON; nothing stored.',
    INGESTION_ERRORS.invalidTouchpoint,
  )
  @ApiErrorResponse(
    409,
    'touchpointId already stored with another payload.',
    INGESTION_ERRORS.touchpointConflict,
  )
  @ApiErrorResponse(413, 'Body over 1 MB.', BODY_ERRORS.payloadTooLarge(SINGLE_BODY_LIMIT_BYTES))
  @ApiErrorResponse(415, 'Content-Type is not application/json.', BODY_ERRORS.unsupportedMediaType)
  @ApiErrorResponse(
    410,
    'customer_erased: the customer was erased and not readmitted; nothing was stored.',
    INGESTION_ERRORS.customerErased,
  )
  @ApiErrorResponse(503, 'Event store unreachable; retry.', INGESTION_ERRORS.storeUnavailable)
  async record(
    @Body() body: unknown,
    @RequestTrace() trace: TraceCarrier | null,
  ): Promise<RecordTouchpointResponseDto> {
    const parsed = parseTouchpoint(body, { now: this.clock.now() });
    if (!parsed.ok) {
      throw ingestionError(
        IngestionErrorCode.InvalidTouchpoint,
        'invalid touchpoint',
        parsed.issues,
      );
    }
    return this.commandBus.execute(new RecordTouchpointCommand(parsed.touchpoint, trace));
  }
}
