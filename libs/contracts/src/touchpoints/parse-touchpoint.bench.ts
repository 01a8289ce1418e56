/**
 * How many touchpoints per second `parseTouchpoint` validates on one core (the CLI validates
 * million-line files with it).
 *
 *   npm run build && node dist/libs/contracts/src/touchpoints/parse-touchpoint.bench.js [rounds]
 */
import 'reflect-metadata';
import { parseTouchpoint } from './parse-touchpoint';

const now = new Date('2025-06-01T00:00:00Z');
const inputs = Array.from({ length: 1000 }, (_, i) => ({
  touchpointId: `tp-${i}`,
  customerId: `c-${i % 50}`,
  occurredAt: '2025-01-03T10:00:00+01:00',
  channel: 'chat',
  touchpointName: 'checkout',
  source: 'crm',
  sentiment: 0.5,
  text: 'hello there',
  attributes: { queue: 'billing', priority: 2 },
  survey: { nps: 9, csat: 4 },
  ...(i % 2 === 0
    ? { interaction: 'complaint_opened', complaintId: `cmp-${i}`, reason: 'delay' }
    : { interaction: 'survey_response' }),
}));

const rounds = Number(process.argv[2] ?? '200');
let ok = 0;
for (let r = 0; r < 20; r++) for (const x of inputs) if (parseTouchpoint(x, { now }).ok) ok++;
const started = process.hrtime.bigint();
for (let r = 0; r < rounds; r++) for (const x of inputs) if (parseTouchpoint(x, { now }).ok) ok++;
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(
  `parseTouchpoint: ${Math.round((rounds * inputs.length) / seconds)} touchpoints/s on one core (${ok} valid)\n`,
);
