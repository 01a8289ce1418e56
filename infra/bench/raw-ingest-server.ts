/**
 * The raw reference of HTTP ingestion: a bare `node:http` server doing what the product's intake
 * does before storage — read the body, JSON.parse, validate with the contracts' own parsers — and
 * answering 202 without storing anything. Spawned by the benchmark as a child process, like the
 * product's service, so both get a process (and a core) of their own.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseTouchpoint, parseTouchpointBatch } from '@cx/contracts';

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function handle(req: IncomingMessage, res: ServerResponse, text: string): void {
  if (req.method === 'GET') return answer(res, 200, { status: 'ok' });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return answer(res, 400, { error: 'malformed JSON' });
  }
  const now = new Date();
  if (req.url === '/v1/touchpoints/batch') {
    const parsed = parseTouchpointBatch(body, { now });
    if (!parsed.ok) return answer(res, 400, { error: 'invalid batch', details: parsed.issues });
    return answer(res, 202, { summary: { accepted: parsed.touchpoints.length } });
  }
  const parsed = parseTouchpoint(body, { now });
  if (!parsed.ok) return answer(res, 400, { error: 'invalid touchpoint', details: parsed.issues });
  return answer(res, 202, { touchpointId: parsed.touchpoint.touchpointId, status: 'accepted' });
}

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (chunk: Buffer) => parts.push(chunk));
  req.on('end', () => handle(req, res, Buffer.concat(parts).toString('utf8')));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
