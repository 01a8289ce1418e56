import { ApiProperty } from '@nestjs/swagger';
import { IsNumberInRange, IsPattern } from './touchpoint-validators';
import { TOUCHPOINT_LIMITS } from './touchpoint-limits';

/** An amount of money; never summed across currencies. */
export class MoneyDto {
  @ApiProperty({
    example: 129.9,
    minimum: 0,
    maximum: TOUCHPOINT_LIMITS.amountMax,
    description: "Amount in the currency's major unit (129.9 = 129 euros 90 cents).",
  })
  @IsNumberInRange(0, TOUCHPOINT_LIMITS.amountMax)
  amount!: number;

  @ApiProperty({ example: 'EUR', pattern: '^[A-Z]{3}$', description: 'ISO-4217 code, upper case.' })
  @IsPattern(/^[A-Z]{3}$/, 'must be an ISO-4217 code of three upper-case letters, e.g. EUR')
  currency!: string;
}
