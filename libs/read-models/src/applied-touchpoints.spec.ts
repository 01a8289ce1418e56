import type { PoolClient } from 'pg';
import { tp } from '@cx/domain/testing';
import { BatchHistories } from './applied-touchpoints';

interface Read {
  readonly customers: readonly string[];
}

/** A client answering history reads from rows held in memory, recording what it was asked. */
function clientHolding(rows: readonly { customerId: string; position: number }[]): {
  client: PoolClient;
  reads: Read[];
} {
  const reads: Read[] = [];
  const query = (_text: string, values: [string[]]): Promise<{ rows: unknown[] }> => {
    const [customers] = values;
    reads.push({ customers: [...customers] });
    return Promise.resolve({
      rows: rows
        .filter((r) => customers.includes(r.customerId))
        .map((r) => ({
          customer_id: r.customerId,
          position: String(r.position),
          payload: tp({ customerId: r.customerId, interaction: 'exposure' }),
        })),
    });
  };
  return { client: { query } as unknown as PoolClient, reads };
}

describe('BatchHistories', () => {
  const rows = [
    { customerId: 'a', position: 1 },
    { customerId: 'b', position: 2 },
    { customerId: 'a', position: 3 },
  ];

  it('reads each customer once per batch, whoever asks', async () => {
    const { client, reads } = clientHolding(rows);
    const histories = new BatchHistories(client, 'projection_touchpoints');

    const first = await histories.of(['a', 'b']);
    const second = await histories.of(['b', 'a']);

    expect(reads).toEqual([{ customers: ['a', 'b'] }]);
    expect(first.get('a')?.map((h) => h.position)).toEqual([1, 3]);
    expect(second.get('a')).toBe(first.get('a'));
    expect(second.get('b')?.map((h) => h.position)).toEqual([2]);
  });

  it('reads only the customers not read yet, and leaves out those without history', async () => {
    const { client, reads } = clientHolding(rows);
    const histories = new BatchHistories(client, 'projection_touchpoints');

    await histories.of(['a']);
    const more = await histories.of(['a', 'b', 'nobody']);
    const again = await histories.of(['nobody']);

    expect(reads).toEqual([{ customers: ['a'] }, { customers: ['b', 'nobody'] }]);
    expect([...more.keys()]).toEqual(['a', 'b']);
    expect(again.size).toBe(0);
  });
});
