import { HttpStatus } from '@nestjs/common';
import { AppException } from '../errors/app.exception';

export enum HttpBodyErrorCode {
  MalformedJson = 'malformed_json',
  PayloadTooLarge = 'payload_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  Unreadable = 'unreadable_body',
}

const STATUS: Readonly<Record<HttpBodyErrorCode, number>> = {
  [HttpBodyErrorCode.MalformedJson]: HttpStatus.BAD_REQUEST,
  [HttpBodyErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [HttpBodyErrorCode.UnsupportedMediaType]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [HttpBodyErrorCode.Unreadable]: HttpStatus.BAD_REQUEST,
};

/** A request body refused before any controller sees it. */
export class HttpBodyException extends AppException<HttpBodyErrorCode> {
  readonly httpStatus: number;

  constructor(code: HttpBodyErrorCode, message: string) {
    super(code, message, [{ path: '', message }]);
    this.httpStatus = STATUS[code];
  }
}
