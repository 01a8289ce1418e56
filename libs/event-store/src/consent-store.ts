import type { Pool } from 'pg';
import type { ConsentChange } from '@cx/domain';
import { CustomerErasedError } from './event-store';
import { inTransaction } from './transaction';

export interface RecordedConsent extends ConsentChange {
  readonly customerId: string;
  readonly source?: string;
}

export interface ConsentAppendResult {
  readonly consentId: string;
  readonly status: 'accepted' | 'duplicate' | 'conflict';
  readonly position: number;
}

export interface StoredConsent extends ConsentChange {
  readonly position: number;
  readonly recordedAt: string;
  readonly source: string | null;
}

interface ConsentRow {
  position: string;
  consent_id: string;
  customer_id: string;
  purpose: string;
  status: 'granted' | 'withdrawn';
  effective_at: Date;
  recorded_at: Date;
  source: string | null;
}

const COLUMNS =
  'position, consent_id, customer_id, purpose, status, effective_at, recorded_at, source';

function same(row: ConsentRow, change: RecordedConsent): boolean {
  return (
    row.customer_id === change.customerId &&
    row.purpose === change.purpose &&
    row.status === change.status &&
    row.effective_at.getTime() === Date.parse(change.effectiveAt) &&
    row.source === (change.source ?? null)
  );
}

/** Consent changes as events: appended once per id, never changed, read back per customer. */
export class ConsentStore {
  constructor(private readonly pool: Pool) {}

  /** A change sent again is a duplicate; another change under a stored id is a conflict. */
  async append(change: RecordedConsent): Promise<ConsentAppendResult> {
    return inTransaction(this.pool, async (client) => {
      const erased = await client.query(
        'SELECT 1 FROM customer_erasures WHERE customer_id = $1 AND readmitted_at IS NULL',
        [change.customerId],
      );
      if (erased.rows.length > 0) throw new CustomerErasedError([change.customerId]);
      const inserted = await client.query<{ position: string }>(
        `INSERT INTO consent_events (consent_id, customer_id, purpose, status, effective_at, source)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (consent_id) DO NOTHING RETURNING position`,
        [
          change.consentId,
          change.customerId,
          change.purpose,
          change.status,
          change.effectiveAt,
          change.source ?? null,
        ],
      );
      const position = inserted.rows[0]?.position;
      if (position !== undefined) {
        return { consentId: change.consentId, status: 'accepted', position: Number(position) };
      }
      const { rows } = await client.query<ConsentRow>(
        `SELECT ${COLUMNS} FROM consent_events WHERE consent_id = $1`,
        [change.consentId],
      );
      const stored = rows[0];
      if (stored === undefined)
        throw new Error(`consent ${change.consentId} neither inserted nor found`);
      return {
        consentId: change.consentId,
        status: same(stored, change) ? 'duplicate' : 'conflict',
        position: Number(stored.position),
      };
    });
  }

  /** Every change of the customer, in the order they were recorded. */
  async history(customerId: string): Promise<StoredConsent[]> {
    const { rows } = await this.pool.query<ConsentRow>(
      `SELECT ${COLUMNS} FROM consent_events WHERE customer_id = $1 ORDER BY position`,
      [customerId],
    );
    return rows.map((r) => ({
      position: Number(r.position),
      consentId: r.consent_id,
      purpose: r.purpose,
      status: r.status,
      effectiveAt: r.effective_at.toISOString(),
      recordedAt: r.recorded_at.toISOString(),
      source: r.source,
    }));
  }
}
