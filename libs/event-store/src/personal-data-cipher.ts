import { Logger } from '@nestjs/common';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  randomUUID,
} from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { PersonalFields, SealedPersonalData } from '@cx/contracts';

export type Queryable = Pool | PoolClient;

/** A customer's unwrapped data key, split into one sub-key per purpose. */
export interface CustomerKey {
  readonly customerId: string;
  readonly keyId: string;
  readonly encryptionKey: Buffer;
  readonly macKey: Buffer;
}

/** Keys by customer: `null` means the key was forgotten (crypto-shredded). Absent: never had one. */
export type CustomerKeys = ReadonlyMap<string, CustomerKey | null>;

export interface PersonalDataCipherOptions {
  /** base64 of 32 bytes; defaults to `CX_MASTER_KEY`, then to the development key. */
  readonly masterKey?: string;
}

/**
 * DEVELOPMENT ONLY. Used when `CX_MASTER_KEY` is unset so the stack runs out of the box; anyone can
 * derive it from this source, so data sealed under it is protected against nothing.
 */
const DEVELOPMENT_MASTER_KEY = createHash('sha256')
  .update('cx-journey DEVELOPMENT master key - not a secret, never use in production')
  .digest();

const ALG = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function masterKeyFrom(base64: string | undefined, logger: Logger): Buffer {
  if (base64 === undefined || base64 === '') {
    logger.warn('CX_MASTER_KEY is not set: using the public DEVELOPMENT master key');
    return DEVELOPMENT_MASTER_KEY;
  }
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new RangeError('CX_MASTER_KEY must be base64 of exactly 32 bytes');
  return key;
}

function subKey(dataKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), `cx.personal.${purpose}.v1`, 32));
}

interface KeyRow {
  customer_id: string;
  key_id: string;
  wrapped_key: Buffer | null;
}

/**
 * Per-customer AES-256-GCM keys, stored wrapped by the master key in `customer_keys` of the key
 * store. Forgetting a
 * customer deletes the wrapped key, which makes every sealed copy of their personal data (event
 * store, Kafka, backups) unreadable without rewriting any history. Keys are not cached in memory
 * on purpose: a forget must take effect in every process at once.
 */
export class PersonalDataCipher {
  private readonly logger = new Logger(PersonalDataCipher.name);
  private readonly masterKey: Buffer;

  /** `keyPool`: the key store's database (see `keystore.ts`), never the event store's own. */
  constructor(
    private readonly keyPool: Pool,
    options: PersonalDataCipherOptions = {},
  ) {
    this.masterKey = masterKeyFrom(options.masterKey ?? process.env.CX_MASTER_KEY, this.logger);
  }

  /** Loads the keys of these customers; customers without a row are absent from the map. */
  async loadKeys(customerIds: readonly string[]): Promise<Map<string, CustomerKey | null>> {
    const keys = new Map<string, CustomerKey | null>();
    if (customerIds.length === 0) return keys;
    const { rows } = await this.keyPool.query<KeyRow>(
      'SELECT customer_id, key_id, wrapped_key FROM customer_keys WHERE customer_id = ANY($1::text[])',
      [[...new Set(customerIds)]],
    );
    for (const row of rows) {
      keys.set(
        row.customer_id,
        row.wrapped_key === null ? null : this.unwrap(row.customer_id, row.key_id, row.wrapped_key),
      );
    }
    return keys;
  }

  /**
   * Loads the keys of these customers and creates the missing ones. The key store is apart from
   * the event store, so a key may outlive an append that failed: an unused key protects nothing
   * and costs a row. Ids are inserted sorted so two creators of overlapping sets cannot deadlock;
   * a concurrent creator wins and its key is read back.
   */
  async obtainKeys(customerIds: readonly string[]): Promise<CustomerKeys> {
    const keys = await this.loadKeys(customerIds);
    const missing = [...new Set(customerIds)].filter((id) => !keys.has(id)).sort();
    if (missing.length === 0) return keys;
    const keyIds = missing.map(() => randomUUID());
    const wrapped = missing.map((customerId, i) =>
      this.wrap(customerId, keyIds[i] as string, randomBytes(32)),
    );
    await this.keyPool.query(
      `INSERT INTO customer_keys (customer_id, key_id, wrapped_key)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])
       ON CONFLICT (customer_id) DO NOTHING`,
      [missing, keyIds, wrapped],
    );
    for (const [id, key] of await this.loadKeys(missing)) keys.set(id, key);
    return keys;
  }

  /**
   * Crypto-shredding: the customer's personal data becomes unreadable everywhere, for good. The
   * row stays, without its key, so that no new key is made for them by accident; `keyId` names
   * the key destroyed (null when there never was one), `destroyedAt` when.
   */
  async forget(customerId: string): Promise<{ keyId: string | null; destroyedAt: string }> {
    const { rows } = await this.keyPool.query<{ key_id: string; forgotten_at: Date; had: boolean }>(
      `WITH before AS (SELECT key_id FROM customer_keys WHERE customer_id = $1)
       INSERT INTO customer_keys (customer_id, key_id, wrapped_key, forgotten_at)
       VALUES ($1, $2, NULL, now())
       ON CONFLICT (customer_id) DO UPDATE
         SET wrapped_key = NULL, forgotten_at = COALESCE(customer_keys.forgotten_at, now())
       RETURNING key_id, forgotten_at, EXISTS (SELECT 1 FROM before) AS had`,
      [customerId, randomUUID()],
    );
    const row = rows[0];
    if (row === undefined) throw new Error(`forgetting ${customerId} returned nothing`);
    return { keyId: row.had ? row.key_id : null, destroyedAt: row.forgotten_at.toISOString() };
  }

  /**
   * Gives a forgotten customer a new key, for what they send from now on. What was sealed under
   * the destroyed key stays unreadable: a new key opens nothing of the old one.
   */
  async readmit(customerId: string): Promise<void> {
    await this.keyPool.query(
      `UPDATE customer_keys SET key_id = $2, wrapped_key = $3, forgotten_at = NULL, created_at = now()
        WHERE customer_id = $1 AND wrapped_key IS NULL`,
      [customerId, ...this.freshWrappedKey(customerId)],
    );
  }

  seal(key: CustomerKey, touchpointId: string, personal: PersonalFields): SealedPersonalData {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALG, key.encryptionKey, iv);
    // Bound to the touchpoint, so sealed data cannot be moved onto another event unnoticed.
    cipher.setAAD(Buffer.from(`${key.customerId}/${touchpointId}`, 'utf8'));
    const data = Buffer.concat([cipher.update(JSON.stringify(personal), 'utf8'), cipher.final()]);
    return {
      keyId: key.keyId,
      alg: 'AES-256-GCM',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  }

  open(key: CustomerKey, touchpointId: string, sealed: SealedPersonalData): PersonalFields {
    if (sealed.keyId !== key.keyId)
      throw new Error(`sealed with key ${sealed.keyId}, not ${key.keyId}`);
    const decipher = createDecipheriv(ALG, key.encryptionKey, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(`${key.customerId}/${touchpointId}`, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const clear = Buffer.concat([
      decipher.update(Buffer.from(sealed.data, 'base64')),
      decipher.final(),
    ]);
    return JSON.parse(clear.toString('utf8')) as PersonalFields;
  }

  /**
   * Keyed digest of personal data: comparable while the key exists, and, unlike a plain hash,
   * no fingerprint of the data is left once the key is gone.
   */
  mac(key: CustomerKey, canonical: string): string {
    return createHmac('sha256', key.macKey).update(canonical, 'utf8').digest('hex');
  }

  private freshWrappedKey(customerId: string): [string, Buffer] {
    const keyId = randomUUID();
    return [keyId, this.wrap(customerId, keyId, randomBytes(32))];
  }

  private wrap(customerId: string, keyId: string, dataKey: Buffer): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALG, this.masterKey, iv);
    cipher.setAAD(Buffer.from(`${customerId}/${keyId}`, 'utf8'));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  private unwrap(customerId: string, keyId: string, wrapped: Buffer): CustomerKey {
    const decipher = createDecipheriv(ALG, this.masterKey, wrapped.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(`${customerId}/${keyId}`, 'utf8'));
    decipher.setAuthTag(wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const dataKey = Buffer.concat([
      decipher.update(wrapped.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]);
    return {
      customerId,
      keyId,
      encryptionKey: subKey(dataKey, 'enc'),
      macKey: subKey(dataKey, 'mac'),
    };
  }
}
