import type { Pool } from 'pg';

export interface AuditEntry {
  readonly actorId: string;
  readonly actorName: string;
  /** What was done, e.g. `personal.read`, `keys.create`, `customer.erase`. */
  readonly action: string;
  readonly method: string;
  readonly path: string;
  readonly customerId: string | null;
  /** The HTTP status answered. */
  readonly status: number;
}

export interface StoredAuditEntry extends AuditEntry {
  readonly id: number;
  readonly at: string;
}

export interface AuditFilter {
  readonly customerId?: string;
  readonly actorId?: string;
  readonly action?: string;
  /** Entries with a smaller id (the previous page's cursor). */
  readonly before?: number;
  readonly limit: number;
}

interface AuditRow {
  id: string;
  at: Date;
  actor_id: string;
  actor_name: string;
  action: string;
  method: string;
  path: string;
  customer_id: string | null;
  status: number;
}

/** The append-only record of reads of personal data and of every admin action. */
export class AuditLog {
  constructor(private readonly pool: Pool) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.pool.query(
      `INSERT INTO audit_log (actor_id, actor_name, action, method, path, customer_id, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        entry.actorId,
        entry.actorName,
        entry.action,
        entry.method,
        entry.path,
        entry.customerId,
        entry.status,
      ],
    );
  }

  /** Newest first. */
  async list(filter: AuditFilter): Promise<StoredAuditEntry[]> {
    const { rows } = await this.pool.query<AuditRow>(
      `SELECT id, at, actor_id, actor_name, action, method, path, customer_id, status
         FROM audit_log
        WHERE ($1::text IS NULL OR customer_id = $1) AND ($2::text IS NULL OR actor_id = $2)
          AND ($3::text IS NULL OR action = $3) AND ($4::bigint IS NULL OR id < $4)
        ORDER BY id DESC LIMIT $5`,
      [
        filter.customerId ?? null,
        filter.actorId ?? null,
        filter.action ?? null,
        filter.before ?? null,
        filter.limit,
      ],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      at: r.at.toISOString(),
      actorId: r.actor_id,
      actorName: r.actor_name,
      action: r.action,
      method: r.method,
      path: r.path,
      customerId: r.customer_id,
      status: r.status,
    }));
  }
}
