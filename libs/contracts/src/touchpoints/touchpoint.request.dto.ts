import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, ValidateNested } from 'class-validator';
import {
  CATEGORIES,
  CHANNELS,
  COMPLAINT_REASONS,
  DIRECTIONS,
  EMOTION_LEVELS,
  INTERACTIONS,
  PILLARS,
  type AttributeValue,
} from '@cx/domain';
import { MoneyDto } from './money.dto';
import { SurveyDto } from './survey.dto';
import { TOUCHPOINT_LIMITS as L } from './touchpoint-limits';
import {
  IsAttributeMap,
  IsPurposeList,
  IsBool,
  IsBoundedText,
  IsIdentifier,
  IsIntInRange,
  IsIsoInstant,
  IsNumberInRange,
  IsOneOf,
  IsPlainObject,
} from './touchpoint-validators';

const ID_PATTERN = L.idPattern.source;

/**
 * One touchpoint as a client sends it. Field rules live here; rules that relate fields to each
 * other (category vs channel, ids required by an interaction, the clock) are in `parseTouchpoint`.
 * `null` on an optional field means the same as leaving the field out.
 */
export class TouchpointRequestDto {
  @ApiProperty({
    example: 'tp-2025-000001',
    maxLength: L.idMaxLength,
    pattern: ID_PATTERN,
    description:
      'Unique id chosen by the sender. Sending it again is safe: same payload = duplicate, other payload = conflict.',
  })
  @IsIdentifier()
  touchpointId!: string;

  @ApiProperty({
    example: 'cust-42',
    maxLength: L.idMaxLength,
    pattern: ID_PATTERN,
    description: 'The customer.',
  })
  @IsIdentifier()
  customerId!: string;

  @ApiProperty({
    example: '2025-01-03T10:00:00Z',
    format: 'date-time',
    description: `When it happened: ISO-8601 with seconds and an offset; any time in the past, at most ${L.maxFutureSeconds} s ahead of the server clock. Stored in UTC, millisecond precision.`,
  })
  @IsIsoInstant()
  occurredAt!: string;

  @ApiProperty({ example: 'chat', enum: CHANNELS, description: 'Where the interaction happened.' })
  @IsOneOf(CHANNELS)
  channel!: string;

  @ApiPropertyOptional({
    example: 'interactive',
    enum: CATEGORIES,
    description: 'Derived from the channel; if sent, it must agree with it.',
  })
  @IsOptional()
  @IsOneOf(CATEGORIES)
  category?: string;

  @ApiPropertyOptional({
    example: 'inbound',
    enum: DIRECTIONS,
    description: 'Who started the contact.',
  })
  @IsOptional()
  @IsOneOf(DIRECTIONS)
  direction?: string;

  @ApiProperty({
    example: 'survey_response',
    enum: INTERACTIONS,
    description:
      'What happened. complaint_opened needs complaintId and reason; complaint_resolved needs complaintId; ' +
      'commitment_made needs commitmentId and dueAt; commitment_kept/broken need commitmentId; survey_response needs survey; ' +
      'feedback needs text, sentiment or emotion; value only on purchase/repurchase.',
  })
  @IsOneOf(INTERACTIONS)
  interaction!: string;

  @ApiPropertyOptional({
    example: 'post-chat-survey',
    maxLength: L.nameMaxLength,
    description: 'The node of the journey map, so that touchpoints can be compared.',
  })
  @IsOptional()
  @IsBoundedText(L.nameMaxLength)
  touchpointName?: string;

  @ApiPropertyOptional({
    example: false,
    description: 'A key moment that can decide whether the relationship goes on.',
  })
  @IsOptional()
  @IsBool()
  momentOfTruth?: boolean;

  @ApiPropertyOptional({
    example: 'people',
    enum: PILLARS,
    description: 'Which of the 3 Ps influenced the customer here.',
  })
  @IsOptional()
  @IsOneOf(PILLARS)
  pillar?: string;

  @ApiPropertyOptional({
    type: () => SurveyDto,
    description: 'Survey answers; at least one score.',
  })
  @IsOptional()
  @IsPlainObject()
  @ValidateNested()
  survey?: SurveyDto;

  @ApiPropertyOptional({
    example: 0.6,
    minimum: -1,
    maximum: 1,
    description: 'Measured sentiment, −1 (very negative) to 1 (very positive).',
  })
  @IsOptional()
  @IsNumberInRange(-1, 1)
  sentiment?: number;

  @ApiPropertyOptional({
    example: 'enjoyment',
    enum: EMOTION_LEVELS,
    description: 'The emotion level the customer reported.',
  })
  @IsOptional()
  @IsOneOf(EMOTION_LEVELS)
  emotion?: string;

  @ApiPropertyOptional({
    example: 'Quick and friendly, thanks!',
    maxLength: L.textMaxLength,
    description:
      'Free text. Personal data: stored encrypted per customer, never published in clear.',
  })
  @IsOptional()
  @IsBoundedText(L.textMaxLength)
  text?: string;

  @ApiPropertyOptional({
    example: 'cmp-17',
    maxLength: L.idMaxLength,
    pattern: ID_PATTERN,
    description: 'Only on complaint_opened and complaint_resolved, where it is required.',
  })
  @IsOptional()
  @IsIdentifier()
  complaintId?: string;

  @ApiPropertyOptional({
    example: 'delay',
    enum: COMPLAINT_REASONS,
    description: 'Only on complaint_opened, where it is required.',
  })
  @IsOptional()
  @IsOneOf(COMPLAINT_REASONS)
  reason?: string;

  @ApiPropertyOptional({
    example: 'cb-9',
    maxLength: L.idMaxLength,
    pattern: ID_PATTERN,
    description:
      'Only on commitment_made, commitment_kept and commitment_broken, where it is required.',
  })
  @IsOptional()
  @IsIdentifier()
  commitmentId?: string;

  @ApiPropertyOptional({
    example: '2025-01-05T17:00:00Z',
    format: 'date-time',
    description: 'When the promise is due; only on commitment_made, where it is required.',
  })
  @IsOptional()
  @IsIsoInstant()
  dueAt?: string;

  @ApiPropertyOptional({ type: () => MoneyDto, description: 'Only on purchase and repurchase.' })
  @IsOptional()
  @IsPlainObject()
  @ValidateNested()
  value?: MoneyDto;

  @ApiPropertyOptional({
    example: 5,
    minimum: 1,
    maximum: 5,
    type: 'integer',
    description: 'How well the company thinks it served the customer here (perception gap).',
  })
  @IsOptional()
  @IsIntInRange(1, 5)
  companyAssessment?: number;

  @ApiPropertyOptional({
    example: 'genesys-chat',
    maxLength: L.sourceMaxLength,
    description: 'The system that reported it.',
  })
  @IsOptional()
  @IsBoundedText(L.sourceMaxLength)
  source?: string;

  @ApiPropertyOptional({
    example: { agent: 'a-7', queue: 'billing' },
    type: 'object',
    // OpenAPI 3.0 has no null type: a nullable schema needs a type of its own, hence the last one.
    additionalProperties: {
      anyOf: [
        { type: 'string' },
        { type: 'number' },
        { type: 'boolean' },
        { type: 'string', nullable: true, enum: [null] },
      ],
    },
    description: `Free attributes, at most ${L.attributesMaxKeys} scalar values. Personal data: stored encrypted, never published in clear.`,
  })
  @IsOptional()
  @IsAttributeMap()
  attributes?: Record<string, AttributeValue>;

  @ApiPropertyOptional({
    example: ['analytics'],
    type: [String],
    maxItems: L.purposesMaxItems,
    description:
      'The consent purposes this touchpoint serves. Analytics leave it out when the customer had withdrawn one ' +
      'of them (or, for opt-in purposes, not yet granted it) when it happened; without purposes it always counts.',
  })
  @IsOptional()
  @IsPurposeList()
  purposes?: string[];
}
