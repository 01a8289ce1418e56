import { Pool } from 'pg';
import {
  EventStore,
  keystoreUrlFor,
  PersonalDataCipher,
  prepareKeystore,
  sameDatabase,
} from '@cx/event-store';
import { CustomerErasure, migrateDatabase } from '@cx/read-models';
import { auditCli } from '../cli-audit';
import type { KeysIo } from '../keys/keys.command';

export interface CustomersRequest {
  readonly action: 'erase' | 'readmit';
  readonly customerId: string;
  /** Who asked, for the receipt (the operator's name; the CLI has no credential). */
  readonly by: string;
}

/**
 * `cx customers erase|readmit ID` against the databases of `DATABASE_URL` and
 * `CX_KEYSTORE_URL` (default: the event store's database name with `_keys`).
 */
export async function runCustomers(
  request: CustomersRequest,
  env: Readonly<Record<string, string | undefined>>,
  defaultDatabaseUrl: string,
  io: KeysIo,
): Promise<number> {
  const databaseUrl = env.DATABASE_URL ?? defaultDatabaseUrl;
  const keystoreUrl = env.CX_KEYSTORE_URL ?? keystoreUrlFor(databaseUrl);
  await migrateDatabase(databaseUrl);
  await prepareKeystore(keystoreUrl, databaseUrl);
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  const keyPool = new Pool({ connectionString: keystoreUrl, max: 2 });
  try {
    const cipher = new PersonalDataCipher(keyPool);
    const erasure = new CustomerErasure(
      pool,
      new EventStore(pool, cipher),
      cipher,
      !sameDatabase(keystoreUrl, databaseUrl),
    );
    const status = await perform(request, erasure, io);
    const action = request.action === 'erase' ? 'customer.erase' : 'customer.readmit';
    await auditCli(pool, action, `cx customers ${request.action}`, request.customerId, status);
    return status;
  } finally {
    await Promise.all([pool.end(), keyPool.end()]);
  }
}

async function perform(
  request: CustomersRequest,
  erasure: CustomerErasure,
  io: KeysIo,
): Promise<number> {
  if (request.action === 'erase') {
    const outcome = await erasure.erase(request.customerId, request.by);
    if (!outcome.performed) io.err(`cx customers: ${request.customerId} was already erased`);
    io.out(JSON.stringify(outcome.receipt, null, 2));
    return 0;
  }
  if (!(await erasure.readmit(request.customerId, request.by))) {
    io.err(`cx customers: ${request.customerId} is not erased`);
    return 1;
  }
  io.out(`readmitted ${request.customerId}: touchpoints are taken again, under a new key`);
  return 0;
}
