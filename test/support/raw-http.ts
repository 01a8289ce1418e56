import { connect } from 'node:net';

export interface RawAnswer {
  /** The status of the first response, if one arrived. */
  readonly status?: number;
  /** The first response's body, as text. */
  readonly body: string;
  /** Everything the server sent. */
  readonly raw: string;
  /** A socket error (`ECONNRESET`…) or `timeout`, if the exchange did not end cleanly. */
  readonly error?: string;
}

/**
 * Sends bytes as they are over a fresh TCP connection, half-closes it, and collects whatever
 * the server answers until it closes: for requests no HTTP client would send.
 */
export function rawHttp(
  port: number,
  request: string | Uint8Array,
  timeoutMs = 10_000,
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: string | undefined;
    const timer = setTimeout(() => {
      error = 'timeout';
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e.code ?? e.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      const headerEnd = raw.indexOf('\r\n\r\n');
      // The first response's body: Content-Length long, or all the rest without one.
      const length = /\r\ncontent-length: *(\d+)\r\n/i.exec(raw.slice(0, headerEnd + 2));
      const rest = headerEnd < 0 ? '' : raw.slice(headerEnd + 4);
      const body = Buffer.from(length ? rest.slice(0, Number(length[1])) : rest, 'latin1').toString(
        'utf8',
      );
      resolve({
        ...(match ? { status: Number(match[1]) } : {}),
        body,
        raw,
        ...(error !== undefined ? { error } : {}),
      });
    });
    socket.on('connect', () => {
      socket.end(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
    });
  });
}
