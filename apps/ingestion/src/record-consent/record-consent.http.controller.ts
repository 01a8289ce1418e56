import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { ValidationIssue } from '@cx/contracts';
import { ConsentStore, CustomerErasedError, isStoreUnavailable } from '@cx/event-store';
import { ApiErrorResponse, ApiJsonBody, BODY_ERRORS, RequireScope } from '@cx/platform';
import { CONSENT_EXAMPLE, INGESTION_ERRORS } from '../ingestion.examples';
import { IngestionErrorCode, ingestionError } from '../ingestion.exception';
import { SINGLE_BODY_LIMIT_BYTES } from '../ingestion.http';
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
  @ApiParam({
    name: 'customerId',
    description: 'The customer whose consent changed.',
    schema: { type: 'string', maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' },
    example: 'cust-42',
  })
  @ApiJsonBody(ConsentRequestDto, {
    summary: 'Analytics granted by the CRM',
    value: CONSENT_EXAMPLE,
  })
  @ApiAcceptedResponse({ type: ConsentResponseDto })
  @ApiErrorResponse(400, 'invalid_consent; nothing stored.', INGESTION_ERRORS.invalidConsent)
  @ApiErrorResponse(409, 'consentId stored with another change.', INGESTION_ERRORS.consentConflict)
  @ApiErrorResponse(413, 'Body over 1 MB.', BODY_ERRORS.payloadTooLarge(SINGLE_BODY_LIMIT_BYTES))
  @ApiErrorResponse(415, 'Content-Type is not application/json.', BODY_ERRORS.unsupportedMediaType)
  @ApiErrorResponse(410, 'customer_erased.', INGESTION_ERRORS.customerErased)
  @ApiErrorResponse(503, 'Event store unreachable; retry.', INGESTION_ERRORS.storeUnavailable)
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
