import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiGoneResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { ValidationIssue } from '@cx/contracts';
import { ConsentStore, CustomerErasedError, isStoreUnavailable } from '@cx/event-store';
import { ErrorResponseDto, RequireScope } from '@cx/platform';
import { IngestionErrorCode, ingestionError } from '../ingestion.exception';
import {
  ConsentRequestDto,
  ConsentResponseDto,
  CustomerConsentPathDto,
} from './consent.request.dto';

function issuesOf(errors: readonly ValidationError[]): ValidationIssue[] {
  return errors.flatMap((e) =>
    Object.values(e.constraints ?? {}).map((message) => ({
      path: e.property,
      message: message.startsWith(`property ${e.property} `) ? 'unknown field' : message,
    })),
  );
}

function validated<T extends object>(cls: new () => T, value: unknown, what: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw ingestionError(IngestionErrorCode.InvalidConsent, `invalid ${what}`, [
      { path: '', message: 'must be a JSON object' },
    ]);
  }
  const instance = plainToInstance(cls, value);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
  });
  if (errors.length > 0) {
    throw ingestionError(IngestionErrorCode.InvalidConsent, `invalid ${what}`, issuesOf(errors));
  }
  return instance;
}

/** Consent changes in: each one an event, so analytics can honour what held when. */
@ApiTags('consent')
@RequireScope('touchpoints:write')
@Controller('v1/customers')
export class RecordConsentHttpController {
  constructor(private readonly consents: ConsentStore) {}

  @Post(':customerId/consents')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'recordConsent',
    summary: "Record a change of a customer's consent to one purpose",
    description:
      'Stored as an event, once per consentId. Analytics leave out touchpoints that serve a purpose the customer ' +
      'had withdrawn (or, for opt-in purposes, not granted) when they happened.',
  })
  @ApiBody({ type: ConsentRequestDto })
  @ApiAcceptedResponse({ type: ConsentResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'invalid_consent; nothing stored.',
  })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'consentId stored with another change.',
  })
  @ApiGoneResponse({ type: ErrorResponseDto, description: 'customer_erased.' })
  async record(
    @Param() params: Record<string, string>,
    @Body() body: unknown,
  ): Promise<ConsentResponseDto> {
    const path = validated(CustomerConsentPathDto, params, 'customer id');
    const change = validated(ConsentRequestDto, body, 'consent');
    try {
      const result = await this.consents.append({
        consentId: change.consentId,
        customerId: path.customerId,
        purpose: change.purpose,
        status: change.status,
        effectiveAt: new Date(change.effectiveAt).toISOString(),
        ...(change.source === undefined ? {} : { source: change.source }),
      });
      if (result.status === 'conflict') {
        throw ingestionError(
          IngestionErrorCode.Conflict,
          'consentId already stored with another change',
          [
            {
              path: 'consentId',
              message: `${change.consentId} is stored with a different change; it was not applied`,
            },
          ],
        );
      }
      return { consentId: result.consentId, status: result.status, position: result.position };
    } catch (error) {
      if (error instanceof CustomerErasedError) {
        throw ingestionError(IngestionErrorCode.CustomerErased, 'customer erased', [
          { path: 'customerId', message: `${path.customerId} was erased; nothing was stored` },
        ]);
      }
      if (isStoreUnavailable(error)) {
        throw ingestionError(IngestionErrorCode.StoreUnavailable, 'event store unreachable', [
          { path: '', message: 'the event store is unreachable; nothing was stored, retry later' },
        ]);
      }
      throw error;
    }
  }
}
