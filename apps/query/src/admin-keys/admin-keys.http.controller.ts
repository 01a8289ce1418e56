import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiKeyStore } from '@cx/event-store';
import { Audited, Authenticator, ErrorResponseDto, RequireScope } from '@cx/platform';
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
  @ApiOperation({ operationId: 'listApiKeys', summary: 'Every API key, without its secret' })
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
  })
  @ApiCreatedResponse({ type: IssuedApiKeyDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'invalid_request: details name the field.',
  })
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
  })
  @ApiCreatedResponse({ type: IssuedApiKeyDto })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'key_not_found: unknown or revoked.',
  })
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
  })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'key_not_found.' })
  async revoke(@Param() path: KeyPathDto): Promise<ApiKeyDto> {
    const record = await this.keys.revoke(path.keyId);
    if (record === null) throw keyNotFound(path.keyId);
    this.authenticator.forget(path.keyId);
    return toApiKeyDto(record);
  }
}
