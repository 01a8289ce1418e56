import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyStore } from '@cx/event-store';
import {
  ApiErrorResponse,
  ApiJsonBody,
  Audited,
  Authenticator,
  RequireScope,
  SCOPES,
  type ErrorExample,
} from '@cx/platform';
import { ApiQueryBodyErrors } from '../common/api-errors';
import { queryError, QueryErrorCode } from '../query.exception';
import {
  ApiKeyDto,
  ApiKeyListDto,
  CreateApiKeyRequestDto,
  IssuedApiKeyDto,
  KeyPathDto,
  RotateApiKeyRequestDto,
  toApiKeyDto,
} from './api-key.dto';

const KEY_NOT_FOUND: ErrorExample = {
  error: 'key_not_found',
  path: 'keyId',
  message: 'no active key 3f9c2a7b1d4e5f60',
};

function keyNotFound(keyId: string): Error {
  return queryError(QueryErrorCode.KeyNotFound, 'unknown API key', [
    { path: 'keyId', message: `no active key ${keyId}` },
  ]);
}

/** API keys, for admins: the same operations as `cx keys`. */
@ApiTags('admin')
@RequireScope('admin')
@Controller('v1/admin/keys')
export class AdminKeysHttpController {
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly authenticator: Authenticator,
  ) {}

  @Get()
  @Audited('keys.list')
  @ApiOperation({
    operationId: 'listApiKeys',
    summary: 'Every API key, without its secret',
    description: 'Active, expired and revoked keys alike, with their status as of now.',
  })
  @ApiOkResponse({ type: ApiKeyListDto })
  async list(): Promise<ApiKeyListDto> {
    const now = Date.now();
    return { items: (await this.keys.list()).map((record) => toApiKeyDto(record, now)) };
  }

  @Post()
  @Audited('keys.create')
  @ApiOperation({
    operationId: 'createApiKey',
    summary: 'Issue a key; its value is in this answer only',
    description:
      'Only a hash of the key is stored: keep the value the answer gives, it cannot be shown again.',
  })
  @ApiJsonBody(CreateApiKeyRequestDto, {
    summary: 'A key for a CRM that sends touchpoints',
    value: { name: 'crm-sync', scopes: ['touchpoints:write'] },
  })
  @ApiCreatedResponse({ type: IssuedApiKeyDto })
  @ApiErrorResponse(400, 'invalid_request: details name the field.', {
    error: 'invalid_request',
    path: 'scopes',
    message: `each must be one of ${SCOPES.join(', ')}`,
  })
  @ApiQueryBodyErrors()
  async create(@Body() body: CreateApiKeyRequestDto): Promise<IssuedApiKeyDto> {
    const expiresAt = body.expiresAt === undefined ? undefined : new Date(body.expiresAt);
    const issued = await this.keys.issue({
      name: body.name,
      scopes: body.scopes,
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
    return { ...toApiKeyDto(issued.record), key: issued.key };
  }

  @Post(':keyId/rotate')
  @Audited('keys.rotate')
  @ApiOperation({
    operationId: 'rotateApiKey',
    summary: 'Issue a successor with the same name and scopes, and retire this key',
    description:
      'The old key keeps working for graceSeconds (default 0), so that its users can switch over.',
  })
  @ApiJsonBody(
    RotateApiKeyRequestDto,
    { summary: 'The old key works for one more hour', value: { graceSeconds: 3600 } },
    false,
  )
  @ApiCreatedResponse({ type: IssuedApiKeyDto })
  @ApiErrorResponse(404, 'key_not_found: unknown or revoked.', KEY_NOT_FOUND)
  @ApiQueryBodyErrors()
  async rotate(
    @Param() path: KeyPathDto,
    @Body() body: RotateApiKeyRequestDto,
  ): Promise<IssuedApiKeyDto> {
    const issued = await this.keys.rotate(path.keyId, body.graceSeconds ?? 0);
    if (issued === null) throw keyNotFound(path.keyId);
    this.authenticator.forget(path.keyId);
    return { ...toApiKeyDto(issued.record), key: issued.key };
  }

  @Delete(':keyId')
  @Audited('keys.revoke')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'revokeApiKey',
    summary: 'Revoke a key: refused at once here, within CX_AUTH_CACHE_MS everywhere',
    description: 'For good: a revoked key cannot be restored; issue a new one instead.',
  })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiErrorResponse(404, 'key_not_found.', KEY_NOT_FOUND)
  async revoke(@Param() path: KeyPathDto): Promise<ApiKeyDto> {
    const record = await this.keys.revoke(path.keyId);
    if (record === null) throw keyNotFound(path.keyId);
    this.authenticator.forget(path.keyId);
    return toApiKeyDto(record);
  }
}
