import { Body, Controller, HttpCode, HttpStatus, Inject, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiGoneResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { TouchpointBatchRequestDto } from '@cx/contracts';
import { parseTouchpointBatch } from '@cx/contracts';
import { ErrorResponseDto } from '@cx/platform';
import { IngestionErrorCode, ingestionError } from '../ingestion.exception';
import { CLOCK, type Clock } from '../infrastructure/ingestion.tokens';
import { RecordTouchpointBatchCommand } from './record-touchpoint-batch.command';
import { RecordTouchpointBatchResponseDto } from './record-touchpoint-batch.response.dto';
import { RequireScope } from '@cx/platform';

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
    summary: 'Record 1 to 1,000 touchpoints in one transaction',
    description:
      'Validated as a whole: one invalid item refuses the batch (400, each issue naming its item, e.g. ' +
      'touchpoints[3].survey.nps) and nothing is stored. Otherwise every item is stored in one transaction ' +
      'and gets its own result. Body limit 5 MB.',
  })
  @ApiBody({ type: TouchpointBatchRequestDto })
  @ApiAcceptedResponse({ type: RecordTouchpointBatchResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Some item is invalid, or malformed JSON; nothing stored.',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'Body over 5 MB.' })
  @ApiUnsupportedMediaTypeResponse({
    type: ErrorResponseDto,
    description: 'Content-Type is not application/json.',
  })
  @ApiGoneResponse({
    type: ErrorResponseDto,
    description:
      'customer_erased: an item names an erased customer (details give each path); nothing of the batch was stored.',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'Event store unreachable; retry.',
  })
  async recordBatch(@Body() body: unknown): Promise<RecordTouchpointBatchResponseDto> {
    const parsed = parseTouchpointBatch(body, { now: this.clock.now() });
    if (!parsed.ok) {
      throw ingestionError(IngestionErrorCode.InvalidBatch, 'invalid batch', parsed.issues);
    }
    return this.commandBus.execute(new RecordTouchpointBatchCommand(parsed.touchpoints));
  }
}
