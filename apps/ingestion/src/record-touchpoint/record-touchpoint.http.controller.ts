import { Body, Controller, HttpCode, HttpStatus, Inject, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiGoneResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { TouchpointRequestDto } from '@cx/contracts';
import { parseTouchpoint } from '@cx/contracts';
import { ErrorResponseDto } from '@cx/platform';
import { IngestionErrorCode, ingestionError } from '../ingestion.exception';
import { CLOCK, type Clock } from '../infrastructure/ingestion.tokens';
import { RecordTouchpointCommand } from './record-touchpoint.command';
import { RecordTouchpointResponseDto } from './record-touchpoint.response.dto';
import { RequireScope } from '@cx/platform';

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
    summary: 'Record one touchpoint',
    description:
      'Validates and stores one touchpoint in the event store; it is then published to cx.touchpoints.v1. ' +
      'Safe to retry with the same touchpointId. Body limit 1 MB.',
  })
  @ApiBody({ type: TouchpointRequestDto })
  @ApiAcceptedResponse({
    type: RecordTouchpointResponseDto,
    description: 'Stored (accepted) or already stored (duplicate).',
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Invalid touchpoint or malformed JSON; nothing stored.',
  })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'touchpointId already stored with another payload.',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'Body over 1 MB.' })
  @ApiUnsupportedMediaTypeResponse({
    type: ErrorResponseDto,
    description: 'Content-Type is not application/json.',
  })
  @ApiGoneResponse({
    type: ErrorResponseDto,
    description: 'customer_erased: the customer was erased and not readmitted; nothing was stored.',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'Event store unreachable; retry.',
  })
  async record(@Body() body: unknown): Promise<RecordTouchpointResponseDto> {
    const parsed = parseTouchpoint(body, { now: this.clock.now() });
    if (!parsed.ok) {
      throw ingestionError(
        IngestionErrorCode.InvalidTouchpoint,
        'invalid touchpoint',
        parsed.issues,
      );
    }
    return this.commandBus.execute(new RecordTouchpointCommand(parsed.touchpoint));
  }
}
