import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { ErrorBody } from '@cx/contracts';

export const HTTP_SERVER_LIMITS = {
  /** Request line and headers together, in bytes (Node's default, fixed here whatever its flags). */
  maxHeaderBytes: 16 * 1024,
  /**
   * How long a connection refused at the HTTP level stays open after the answer, reading and
   * dropping what the client still sends, so that closing it does not reset the connection
   * before the client has read the answer.
   */
  lingerMs: 2000,
} as const;

interface ClientErrorAnswer {
  readonly status: number;
  readonly reason: string;
  readonly body: ErrorBody;
}

function answer(status: number, reason: string, error: string, message: string): ClientErrorAnswer {
  return { status, reason, body: { error, details: [{ path: '', message }] } };
}

/** The answer to a request the HTTP parser refused, by Node's error code. */
export function clientErrorAnswer(code: string): ClientErrorAnswer {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return answer(
        431,
        'Request Header Fields Too Large',
        'headers_too_large',
        `request line and headers larger than ${HTTP_SERVER_LIMITS.maxHeaderBytes} bytes`,
      );
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return answer(413, 'Payload Too Large', 'payload_too_large', 'chunk extensions too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return answer(408, 'Request Timeout', 'request_timeout', 'request not received in time');
    default:
      return answer(400, 'Bad Request', 'bad_request', 'malformed HTTP request');
  }
}

function rawResponse({ status, reason, body }: ClientErrorAnswer): string {
  const json = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${reason}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(json)}\r\n` +
    'Connection: close\r\n\r\n' +
    json
  );
}

const guarded = new WeakSet<Server>();
const answered = new WeakSet<Duplex>();

/** Whether a response on this socket has sent its headers (Node's own default tests the same). */
function responseStarted(socket: Duplex): boolean {
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  return inFlight?.headersSent === true;
}

/**
 * Answers what Node's HTTP parser refuses (headers over the limit, a malformed request line or
 * header, a bad chunked body, a request timeout) with a status and the usual JSON error body,
 * instead of Node's bare answer and an immediate destroy that can reach the client as a TCP reset
 * while it is still sending. Idempotent per server.
 */
export function answerClientErrors(server: Server): void {
  if (guarded.has(server)) return;
  guarded.add(server);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // The parser reports every later chunk of a refused connection again: answer once.
    if (answered.has(socket)) return;
    answered.add(socket);
    if (error.code === 'ECONNRESET' || !socket.writable || responseStarted(socket)) {
      socket.destroy();
      return;
    }
    socket.end(rawResponse(clientErrorAnswer(error.code ?? '')));
    // Keep reading (and dropping) what the client still sends until it closes or the linger ends.
    socket.resume();
    const linger = setTimeout(() => socket.destroy(), HTTP_SERVER_LIMITS.lingerMs);
    linger.unref();
    socket.once('close', () => clearTimeout(linger));
  });
}

/**
 * Nest's Express adapter with an HTTP server that has an explicit header limit (Node takes it only
 * when the server is created), answers HTTP-level client errors with JSON (`answerClientErrors`),
 * and answers an HTTP/1.1 request without a Host header (RFC 9112: 400) with JSON too, where
 * Node's own check would answer with an empty body. Every REST service is created with it:
 * `NestFactory.create(Module, createHttpAdapter(), options)`. Plain HTTP only, as the services run.
 *
 * Closing (Nest closes the server on SIGTERM before its shutdown hooks run, and waits for it)
 * ends every keep-alive connection once its answer in flight is out. Node's `close()` only drops
 * the connections idle at that instant and goes on serving requests on the others, so a client
 * that keeps asking (a readiness probe, a poller) would hold the shutdown up for as long as it
 * asks. Answers in flight are still given, unlike `forceCloseConnections`, which drops them.
 */
export class HardenedExpressAdapter extends ExpressAdapter {
  private closing = false;
  /** Answers not yet sent, to end their connection once they are (see `close`). */
  private readonly answering = new Set<ServerResponse>();

  override initHttpServer(options?: NestApplicationOptions): void {
    // Naming the framework tells a scanner which exploits to try, and a client nothing.
    this.getInstance<{ disable(setting: string): unknown }>().disable('x-powered-by');
    if (options?.httpsOptions !== undefined || options?.forceCloseConnections === true) {
      throw new Error('HardenedExpressAdapter serves plain HTTP without forceCloseConnections');
    }
    const app = this.getInstance<RequestListener>();
    const server = createServer(
      { maxHeaderSize: HTTP_SERVER_LIMITS.maxHeaderBytes, requireHostHeader: false },
      (req, res) => {
        this.endConnectionWhenClosing(server, res);
        if (req.httpVersion === '1.1' && req.headers.host === undefined) {
          refuse(
            res,
            answer(400, 'Bad Request', 'bad_request', 'an HTTP/1.1 request needs a Host header'),
          );
          req.resume();
          return;
        }
        app(req, res);
      },
    );
    answerClientErrors(server);
    this.setHttpServer(server);
  }

  override close(): Promise<unknown> | undefined {
    if (!this.closing) {
      this.closing = true;
      const server = this.getHttpServer() as Server | undefined;
      for (const res of this.answering) if (server) this.endConnection(server, res);
      this.answering.clear();
    }
    return super.close();
  }

  private endConnectionWhenClosing(server: Server, res: ServerResponse): void {
    if (this.closing) {
      this.endConnection(server, res);
      return;
    }
    this.answering.add(res);
    res.once('close', () => this.answering.delete(res));
  }

  /** The connection of `res` ends after it: at once if its headers are still to go, else once idle. */
  private endConnection(server: Server, res: ServerResponse): void {
    if (!res.headersSent) {
      res.setHeader('connection', 'close');
      return;
    }
    res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
  }
}

function refuse(res: ServerResponse, { status, body }: ClientErrorAnswer): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    connection: 'close',
  });
  res.end(json);
}

export function createHttpAdapter(): HardenedExpressAdapter {
  return new HardenedExpressAdapter();
}
