/**
 * `npm run audit:verify -- --from <ISO> --to <ISO> [--json] [--data-dir .data]` verifies the
 * local access log against its digest chain. Exit code 0: verified; 1: findings; 2: error.
 */
import { parseArgs } from 'node:util';
import { useLocalGateway } from './audit-local.ts';

const usage =
  'usage: npm run audit:verify -- --from <ISO date or time> --to <ISO date or time> [--json] [--data-dir <dir>]';

try {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
    },
  });
  if (!values.from || !values.to) throw new Error(usage);
  useLocalGateway(values['data-dir']);
  const { parseDateRange } = await import('../shared/audit/query-plan.ts');
  const { hourOf } = await import('../shared/audit/keys.ts');
  const { describeFinding, verifyHours } = await import('../shared/audit/verify.ts');
  const { from } = parseDateRange([`ge${values.from}`]);
  const { to } = parseDateRange([`le${values.to}`]);
  if (from === undefined || to === undefined || from > to)
    throw new Error('--from must be a time before --to');
  const report = await verifyHours(hourOf(from), hourOf(to));
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(
      `${report.valid ? 'verified' : 'NOT VERIFIED'}: ${report.hours} hours (${report.from} to ${report.through}), ${report.events} events, ${report.sealedHours} sealed hours`,
    );
    if (report.chainStart)
      console.log(`  chain starts at ${report.chainStart.hour} (${report.chainStart.reason})`);
    if (report.unsealedHours.length > 0) console.log(`  not sealed yet: ${report.unsealedHours.join(' ')}`);
    for (const finding of report.findings) console.log(`  ${finding.kind}: ${describeFinding(finding).text}`);
  }
  process.exit(report.valid ? 0 : 1);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
