import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppException } from '../errors/app.exception';
import { HttpBodyErrorCode as Code, httpBodyError } from './http-body.exception';
import { decodeUtf8Strict, parseStrictJson } from '@cx/contracts';
import type { Readable, Transform } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';

export interface JsonBodyOptions {
  /** Largest accepted body, in bytes. */
  readonly limitBytes: number;
  /**
   * A request that announces no body at all (no Content-Type, no length or length 0, not
   * chunked) reads as `{}`: for operations whose every field is optional. Off by default.
   */
  readonly emptyIsObject?: boolean;
}

/** null: the body is read as sent; undefined: an encoding this service does not read. */
function decoderFor(encoding: string): Transform | null | undefined {
  switch (encoding) {
    case 'identity':
      return null;
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    default:
      return undefined;
  }
}

function announcesNoBody(req: IncomingMessage): boolean {
  const { headers } = req;
  return (
    headers['content-type'] === undefined &&
    headers['transfer-encoding'] === undefined &&
    (headers['content-length'] === undefined || headers['content-length'] === '0')
  );
}

type Next = (error?: unknown) => void;
type RequestWithBody = IncomingMessage & { body?: unknown };

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [type = '', ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
  if (type !== 'application/json') return false;
  const charset = params.find((p) => p.startsWith('charset='));
  return charset === undefined || /^charset="?utf-8"?$/.test(charset);
}

/**
 * Strict UTF-8, then strict JSON: the body as a value, or the error that refuses it. The HTTP
 * middleware below uses it; so can any other transport that receives JSON bytes.
 */
export function parseJsonBody(bytes: Uint8Array): { value: unknown } | { error: AppException } {
  const decoded = decodeUtf8Strict(bytes);
  if (!decoded.ok) {
    const message = `request body is not valid UTF-8: ${decoded.reason} at byte ${decoded.offset}`;
    return { error: httpBodyError(Code.InvalidEncoding, message) };
  }
  const parsed = parseStrictJson(decoded.text);
  if (parsed.ok) return { value: parsed.value };
  if (parsed.error === 'duplicate_key') {
    const message = 'a JSON object in the body gives the same key more than once';
    return { error: httpBodyError(Code.DuplicateKey, message, parsed.issues) };
  }
  return { error: httpBodyError(Code.MalformedJson, `malformed JSON: ${parsed.message}`) };
}

/**
 * A strict JSON body reader with a per-route size limit: 415 unless `application/json` (UTF-8,
 * not compressed), 413 above the limit (checked on Content-Length first, then while streaming),
 * 400 `invalid_encoding` for bytes that are not UTF-8 (never replaced by U+FFFD), 400
 * `duplicate_key` for an object that gives a key twice (JSON.parse would keep the last one
 * silently), 400 `malformed_json` for anything else that is not RFC 8259 JSON. Errors are typed
 * `AppException`s, so the global filter shapes them.
 * Mount it per path with `app.use(path, jsonBody(...))`, the most specific path first: a body
 * already read by an earlier mount is left alone.
 */
export function jsonBody(
  options: JsonBodyOptions,
): (req: RequestWithBody, res: ServerResponse, next: Next) => void {
  const limit = options.limitBytes;
  const tooLarge = (): AppException =>
    httpBodyError(Code.PayloadTooLarge, `request body larger than ${limit} bytes`);

  return (req, _res, next) => {
    if (!METHODS_WITH_BODY.has(req.method ?? '') || req.body !== undefined) {
      next();
      return;
    }
    if (options.emptyIsObject === true && announcesNoBody(req)) {
      req.body = {};
      next();
      return;
    }
    if (!isJsonMediaType(req.headers['content-type'])) {
      next(
        httpBodyError(Code.UnsupportedMediaType, 'Content-Type must be application/json (UTF-8)'),
      );
      return;
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const decoder = decoderFor(encoding);
    if (decoder === undefined) {
      next(
        httpBodyError(
          Code.UnsupportedMediaType,
          `Content-Encoding ${encoding} is not supported (identity, gzip or deflate)`,
        ),
      );
      return;
    }
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > limit) {
      req.resume(); // drain, so that the answer reaches the client
      next(tooLarge());
      return;
    }

    // The limit holds for what the body decodes to: a small bomb is stopped at `limit` bytes of
    // output, and the rest of the request is read and dropped, never inflated.
    const body: Readable = decoder === null ? req : req.pipe(decoder);
    const chunks: Buffer[] = [];
    let size = 0;
    let received = 0;
    let done = false;
    const finish = (error?: unknown): void => {
      if (done) return;
      done = true;
      if (error !== undefined && decoder !== null) {
        req.unpipe(decoder);
        decoder.destroy();
        req.resume();
      }
      next(error);
    };
    if (decoder !== null) {
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > limit && !done) finish(tooLarge());
      });
      decoder.on('error', () =>
        finish(httpBodyError(Code.Unreadable, `request body is not valid ${encoding}`)),
      );
    }
    body.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        finish(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('aborted', () => finish(httpBodyError(Code.Unreadable, 'request aborted')));
    req.on('error', () => finish(httpBodyError(Code.Unreadable, 'request body could not be read')));
    body.on('end', () => {
      if (done) return;
      const parsed = parseJsonBody(Buffer.concat(chunks));
      if ('error' in parsed) {
        finish(parsed.error);
        return;
      }
      req.body = parsed.value;
      finish();
    });
  };
}
