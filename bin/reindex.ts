/**
 * `npm run reindex -- --org <org> [--data-dir .data]` rebuilds one organization's Patient
 * blind-index items from the decrypted records, under the current index key: idempotent,
 * the way to rotate the HMAC key, and to write the tokens of a new scheme (the name prefix
 * tokens) for patients written before it: run once per organization after deploying. Locally it uses the running gateway's DynamoDB Local
 * and key files; with `--from-env` it takes the configuration from the environment as the
 * functions do (RECORDS_TABLE, AUDIT_TABLE, KEY_SOURCE=kms, DATA_KEY_ARN, INDEX_KEY_ARN,
 * SIGNING_KEY_ARN, AWS_REGION, and the operator's AWS credentials). Exit 0: done; 2: error.
 */
import { parseArgs } from 'node:util';
import { useLocalGateway } from './audit-local.ts';

const usage = 'usage: npm run reindex -- --org <org> [--data-dir <dir> | --from-env]';

try {
  const { values } = parseArgs({
    options: {
      org: { type: 'string' },
      'data-dir': { type: 'string' },
      'from-env': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  if (!values.org || !/^[A-Za-z0-9.-]{1,64}$/.test(values.org)) throw new Error(usage);
  if (!values['from-env']) useLocalGateway(values['data-dir']);
  const { reindexPatientsOfOrganization } = await import('../shared/store/reindex.ts');
  const report = await reindexPatientsOfOrganization(values.org);
  console.log(
    `reindexed ${report.patients} patients of ${values.org}: ${report.written} index items written, ${report.removed} stale removed`,
  );
  process.exit(0);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
