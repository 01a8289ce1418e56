import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsIntInRange } from './touchpoint-validators';

/** A survey answer; at least one of the three scores (checked by `parseTouchpoint`). */
export class SurveyDto {
  @ApiPropertyOptional({
    example: 9,
    minimum: 0,
    maximum: 10,
    type: 'integer',
    description: 'Net promoter answer: 9–10 promoter, 7–8 passive, 0–6 detractor.',
  })
  @IsOptional()
  @IsIntInRange(0, 10)
  nps?: number;

  @ApiPropertyOptional({
    example: 4,
    minimum: 1,
    maximum: 5,
    type: 'integer',
    description: 'Customer satisfaction, 1 (very dissatisfied) to 5 (very satisfied).',
  })
  @IsOptional()
  @IsIntInRange(1, 5)
  csat?: number;

  @ApiPropertyOptional({
    example: 6,
    minimum: 1,
    maximum: 7,
    type: 'integer',
    description: 'Customer effort, 1 (very hard) to 7 (very easy).',
  })
  @IsOptional()
  @IsIntInRange(1, 7)
  ces?: number;
}
