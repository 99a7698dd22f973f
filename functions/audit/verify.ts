import { hoursBetween } from '../../shared/audit/digest.ts';
import { hourOf } from '../../shared/audit/keys.ts';
import { parseDateRange } from '../../shared/audit/query-plan.ts';
import { verifyAccessLog } from '../../shared/audit/query-verify.ts';
import { describeFinding, type Finding, summarize } from '../../shared/audit/verify.ts';
import { BadRequestError } from '../../shared/base/errors.ts';
import { ok } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';
import { contracts } from './contracts.ts';

/** One request verifies at most a day; longer ranges are for `npm run audit:verify`. */
const MAX_HOURS = 24;

const FINDING_SYSTEM = 'https://fhir-records.dev/CodeSystem/audit-verification';

/**
 * The chain is global, but tenancy is not: the report is scoped to the caller's
 * organization (its counts, its events' findings). An event finding whose organization
 * is unknown (lines of version-1 digests name none) says what happened, not to which event.
 */
const unattributed = (finding: Finding): boolean => 'id' in finding && finding.org === undefined;

/** GET /AuditEvent/$verify?from=&to= (at most 24 hours) · compliance (own organization's events) · audit E · 200|400|401|403 */
export const handler = route(routes.verifyAuditLog, contracts.verifyAuditLog, async (request) => {
  const { from } = parseDateRange([`ge${request.query.from}`]);
  const { to } = parseDateRange([`le${request.query.to}`]);
  if (from === undefined || to === undefined || from > to) {
    throw new BadRequestError('from must not be after to', {
      details: [{ location: 'query.from', message: 'must not be after to' }],
    });
  }
  const hours = hoursBetween(hourOf(from), hourOf(to));
  const [first, last] = [hours[0], hours[hours.length - 1]];
  if (!first || !last || hours.length > MAX_HOURS) {
    throw new BadRequestError(`at most ${MAX_HOURS} hours can be verified in one request`, {
      details: [{ location: 'query.to', message: `at most ${MAX_HOURS} hours after from` }],
    });
  }
  const report = await verifyAccessLog(request, first, last);
  return ok({
    resourceType: 'OperationOutcome',
    issue: [
      { severity: 'information', code: 'informational', diagnostics: summarize(report) },
      ...report.findings.map((finding) => {
        const coding = [{ system: FINDING_SYSTEM, code: finding.kind }];
        if (unattributed(finding)) {
          return {
            severity: 'error',
            code: 'processing',
            details: { coding, text: `${finding.kind}: an event of an unknown organization` },
          };
        }
        const { text, expression } = describeFinding(finding);
        return { severity: 'error', code: 'processing', details: { coding, text }, expression: [expression] };
      }),
    ],
  });
});
