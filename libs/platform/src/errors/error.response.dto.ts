import { ApiProperty } from '@nestjs/swagger';
import type { ErrorBody, ValidationIssue } from '@cx/contracts';

export class ValidationIssueDto implements ValidationIssue {
  @ApiProperty({
    example: 'touchpoints[3].survey.nps',
    description:
      'Where the problem is: a dotted path into the body, empty for the body as a whole.',
  })
  path!: string;

  @ApiProperty({ example: 'must be an integer from 0 to 10' })
  message!: string;
}

/** The body of every error answer. */
export class ErrorResponseDto implements ErrorBody {
  @ApiProperty({
    example: 'invalid_touchpoint',
    description:
      'Stable code: invalid_touchpoint, invalid_batch, conflict, malformed_json, payload_too_large, ' +
      'unsupported_media_type, not_found, service_unavailable, internal_error…',
  })
  error!: string;

  @ApiProperty({ type: () => [ValidationIssueDto] })
  details!: ValidationIssueDto[];
}
