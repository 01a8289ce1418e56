import { userInfo } from 'node:os';
import type { Pool } from 'pg';
import { AuditLog } from '@cx/event-store';

/** Who runs the command: the operating-system user, as far as the machine knows. */
export function operator(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/**
 * Admin actions from the command line go to the same audit log as those over HTTP; the method is
 * `CLI`, the path the command, the status its exit status.
 */
export async function auditCli(
  pool: Pool,
  action: string,
  command: string,
  customerId: string | null,
  exitStatus: number,
): Promise<void> {
  const who = operator();
  await new AuditLog(pool).record({
    actorId: `cli:${who}`,
    actorName: `${who} (cx command line)`,
    action,
    method: 'CLI',
    path: command,
    customerId,
    status: exitStatus,
  });
}
