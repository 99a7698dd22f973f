/**
 * `npm run audit:verify -- --from <ISO> --to <ISO> [--archive] [--json] [--data-dir .data]`
 * verifies the whole local access log (every organization) against its digest chain and
 * the indexes; with --archive also against the stream consumer's write-once archive
 * (`<data dir>/archive`). Exit code 0: verified; 1: findings; 2: error.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { useLocalGateway } from './audit-local.ts';

const usage =
  'usage: npm run audit:verify -- --from <ISO date or time> --to <ISO date or time> [--archive] [--json] [--data-dir <dir>]';

try {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      archive: { type: 'boolean' },
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
    },
  });
  if (!values.from || !values.to) throw new Error(usage);
  const dataDir = useLocalGateway(values['data-dir']);
  const { parseDateRange } = await import('../shared/audit/query-plan.ts');
  const { hourOf } = await import('../shared/audit/keys.ts');
  const { describeFinding, summarize, verifyHours } = await import('../shared/audit/verify.ts');
  const { localArchive } = await import('../shared/audit/archive.ts');
  const { from } = parseDateRange([`ge${values.from}`]);
  const { to } = parseDateRange([`le${values.to}`]);
  if (from === undefined || to === undefined || from > to)
    throw new Error('--from must be a time before --to');
  const report = await verifyHours(hourOf(from), hourOf(to), {
    ...(values.archive ? { archive: localArchive(join(dataDir, 'archive')) } : {}),
  });
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(summarize(report));
    for (const finding of report.findings) console.log(`  ${finding.kind}: ${describeFinding(finding).text}`);
  }
  process.exit(report.valid ? 0 : 1);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
