import { Agent, request } from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** A keep-alive HTTP/1.1 client to one local server, `sockets` connections at most. */
export class HttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    sockets: number,
    /** Sent as `Authorization: Bearer …` on every request when given. */
    private readonly key: string | null = null,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  post(path: string, body: string): Promise<HttpAnswer> {
    return this.send('POST', path, body);
  }

  get(path: string): Promise<HttpAnswer> {
    return this.send('GET', path, null);
  }

  close(): void {
    this.agent.destroy();
  }

  private send(method: string, path: string, body: string | null): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> =
        body === null
          ? {}
          : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      if (this.key !== null) headers.authorization = `Bearer ${this.key}`;
      const req = request(
        `${this.baseUrl}${path}`,
        { method, agent: this.agent, headers },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (chunk: Buffer) => parts.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body ?? undefined);
    });
  }
}

/** Throws unless the answer has the expected status. */
export function expectStatus(answer: HttpAnswer, status: number, what: string): HttpAnswer {
  if (answer.status !== status) {
    throw new Error(`${what} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  }
  return answer;
}
