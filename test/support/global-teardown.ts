// Must come first: later imports use the @cx/* aliases.
import './register-aliases';
import { stopKafkaBroker } from '../../infra/local/kafka-broker';
import { writeFaultReport } from './fault-report';
import { STACK_ENV } from './stack-env';
import { otherSlotsHeld, releaseTestSlot } from './test-slot';

export default async function globalTeardown(): Promise<void> {
  const report = writeFaultReport();
  if (report !== null) {
    process.stdout.write(
      `\nFault report (.cache/fault-report.md, .cache/fault-report.json)\n${report}\n`,
    );
  }
  const stack = globalThis.__cxTestStack;
  globalThis.__cxTestStack = undefined;
  // By data folder rather than by handle: a test worker may have restarted the broker, and then
  // it is that worker's child. The data is thrown away at the next run, so no graceful stop.
  const dataDir = process.env[STACK_ENV.kafkaDataDir];
  await Promise.all([
    dataDir ? stopKafkaBroker(dataDir, { hard: true }) : Promise.resolve(),
    // The embedded test server is shared by concurrent runs: the last one out stops it.
    stack && !otherSlotsHeld() ? stack.postgres.stop() : Promise.resolve(),
  ]);
  const slotDir = process.env[STACK_ENV.slotDir];
  if (slotDir) {
    releaseTestSlot(slotDir);
  }
}
