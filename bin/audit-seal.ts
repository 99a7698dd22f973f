/**
 * `npm run audit:seal [-- --through 2026-11-25T08] [--lookback <hours>] [--data-dir .data]` seals
 * every complete hour of the local access log after the newest digest, as the scheduled job
 * does in AWS (looking back at most a week unless --lookback says otherwise).
 */
import { parseArgs } from 'node:util';
import { useLocalGateway } from './audit-local.ts';

const usage =
  'usage: npm run audit:seal -- [--through <UTC hour, e.g. 2026-11-25T08>] [--lookback <hours>] [--data-dir <dir>]';

try {
  const { values } = parseArgs({
    options: {
      through: { type: 'string' },
      lookback: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  if (values.through !== undefined && !/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(values.through))
    throw new Error(usage);
  useLocalGateway(values['data-dir']);
  const { sealPending, describeSeal } = await import('../shared/audit/seal.ts');
  const report = await sealPending({
    ...(values.through !== undefined ? { through: values.through } : {}),
    ...(values.lookback !== undefined ? { lookbackHours: Number(values.lookback) } : {}),
  });
  console.log(describeSeal(report));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
