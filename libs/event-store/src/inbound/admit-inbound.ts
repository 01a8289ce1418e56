import type { PoolClient } from 'pg';
import type { Touchpoint } from '@cx/domain';
import {
  inboundIdentity,
  parseInboundTouchpoint,
  type InboundRecord,
  type InboundRefusal,
} from '@cx/contracts';
import { CustomerErasedError, type EventStore } from '../event-store';

export type Admission =
  | { readonly kind: 'appended'; readonly touchpointId: string; readonly position: number }
  | {
      readonly kind: 'refused';
      readonly refusal: InboundRefusal;
      /** Known once the value parsed as a touchpoint. */
      readonly touchpointId: string | null;
      readonly customerId: string | null;
    };

function refused(touchpoint: Touchpoint, refusal: InboundRefusal): Admission {
  return {
    kind: 'refused',
    refusal,
    touchpointId: touchpoint.touchpointId,
    customerId: touchpoint.customerId,
  };
}

function erased(touchpoint: Touchpoint): Admission {
  const message = `${touchpoint.customerId} was erased; an admin must readmit the id before it takes touchpoints again`;
  return refused(touchpoint, {
    code: 'customer_erased',
    reason: `customer erased: ${message}`,
    issues: [{ path: 'customerId', message }],
  });
}

/**
 * The one way an inbound message (from the topic, or replayed from the dead letters) reaches the
 * event store: validated as REST validates, then appended in the caller's transaction. One verdict
 * per record, in order: appended, or refused with the code, reason and issues a dead letter keeps.
 * A touchpointId already stored (by REST, or by an earlier message) is refused as `duplicate` when
 * the data is the same and `conflict` when it differs; the first copy within the call wins.
 */
export async function admitInbound(
  client: PoolClient,
  store: EventStore,
  records: readonly InboundRecord[],
  now: Date,
): Promise<Admission[]> {
  const admissions: (Admission | undefined)[] = new Array<Admission | undefined>(records.length);
  let valid: { index: number; touchpoint: Touchpoint }[] = [];
  records.forEach((record, index) => {
    const verdict = parseInboundTouchpoint(record, { now });
    if (verdict.ok) valid.push({ index, touchpoint: verdict.touchpoint });
    else {
      const { code, reason, issues } = verdict;
      admissions[index] = {
        kind: 'refused',
        refusal: { code, reason, issues },
        ...inboundIdentity(record),
      };
    }
  });
  while (valid.length > 0) {
    try {
      const results = await store.appendWithin(
        client,
        valid.map((v) => v.touchpoint),
      );
      results.forEach((result, i) => {
        const { index, touchpoint } = valid[i] as (typeof valid)[number];
        const { touchpointId, status, position } = result;
        if (status === 'accepted' && position !== null) {
          admissions[index] = { kind: 'appended', touchpointId, position };
          return;
        }
        const where = position === null ? '' : ` (position ${position})`;
        const message =
          status === 'conflict'
            ? `${touchpointId} is already stored with a different payload${where}; it was not applied`
            : `${touchpointId} is already stored with the same data${where}; nothing was stored`;
        admissions[index] = refused(touchpoint, {
          code: status === 'conflict' ? 'conflict' : 'duplicate',
          reason: message,
          issues: [{ path: 'touchpointId', message }],
        });
      });
      break;
    } catch (error) {
      if (!(error instanceof CustomerErasedError)) throw error;
      // Nothing was written: the erased customers' touchpoints are refused, the rest go again.
      const gone = new Set(error.customerIds);
      for (const v of valid)
        if (gone.has(v.touchpoint.customerId)) admissions[v.index] = erased(v.touchpoint);
      valid = valid.filter((v) => !gone.has(v.touchpoint.customerId));
    }
  }
  return admissions.map((admission, index) => {
    if (admission === undefined) throw new Error(`no verdict for inbound record ${index}`);
    return admission;
  });
}
