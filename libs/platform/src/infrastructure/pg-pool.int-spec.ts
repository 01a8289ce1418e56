import { Client } from 'pg';
import {
  createScratchDatabase,
  type ScratchDatabase,
} from '../../../../test/support/scratch-database';
import { createPgPool, DatabaseOutageLog } from './pg-pool';

/** Collects the outage log lines. */
function recordingLogger() {
  const lines: string[] = [];
  return {
    lines,
    logger: {
      warn: (m: string) => lines.push(`warn ${m}`),
      log: (m: string) => lines.push(`log ${m}`),
    },
  };
}

async function terminateBackend(url: string, pid: number): Promise<void> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

describe('createPgPool (real Postgres)', () => {
  let db: ScratchDatabase;

  beforeAll(async () => {
    db = await createScratchDatabase('cx_pool');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('survives a checked-out connection dying, logs the outage once, and serves again', async () => {
    const { lines, logger } = recordingLogger();
    const pool = createPgPool({ connectionString: db.url, max: 4, logger });
    try {
      // Two connections held: pg-pool has removed its own error listener from both.
      const held = await Promise.all([pool.connect(), pool.connect()]);
      const pids: number[] = [];
      for (const client of held) {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        pids.push(rows[0]?.pid ?? 0);
      }
      const [first, second] = held;
      if (first === undefined || second === undefined) throw new Error('no client');
      await first.query('BEGIN');
      // 'end' comes after the client's 'error' events; the test adds no error listener itself.
      const ended = Promise.all(
        held.map((client) => new Promise<void>((resolve) => client.once('end', () => resolve()))),
      );
      // As a restart does: the server ends every session. Without the pool's listeners the
      // 'error' events of the two held clients would be unhandled and end this process.
      for (const pid of pids) await terminateBackend(db.url, pid);
      await ended;
      await expect(first.query('SELECT 1')).rejects.toThrow();
      first.release(true);
      second.release(true);
      expect(lines.filter((l) => l.startsWith('warn'))).toHaveLength(1);
      expect(lines[0]).toMatch(/^warn database connection lost/);

      const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(/^log database connection restored after \d+\.\d s$/);
    } finally {
      await pool.end();
    }
  });
});

describe('DatabaseOutageLog', () => {
  it('reports each outage once, with its length', () => {
    let now = 1_000;
    const { lines, logger } = recordingLogger();
    const outage = new DatabaseOutageLog(logger, () => now);
    outage.restored();
    outage.lost(new Error('Connection terminated unexpectedly'));
    now = 2_500;
    outage.lost(new Error('connect ECONNREFUSED'));
    expect(outage.down).toBe(true);
    outage.restored();
    outage.restored();
    expect(lines).toEqual([
      'warn database connection lost (Connection terminated unexpectedly); requests fail with 503 until it is back, reconnecting on demand',
      'log database connection restored after 1.5 s',
    ]);
    expect(outage.down).toBe(false);
  });
});
