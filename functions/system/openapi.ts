import { openApiDocument } from '../../shared/http/openapi.ts';
import { publicRoute } from '../../shared/http/route.ts';
import { routeEntries, routes } from '../../shared/routes.ts';
import { contracts as appointment } from '../appointment/contracts.ts';
import { contracts as audit } from '../audit/contracts.ts';
import { contracts as patient } from '../patient/contracts.ts';
import { contracts as practitioner } from '../practitioner/contracts.ts';

/** Every route's contract: schemas only, so this bundle carries no handler's SDK or keys. */
export const contracts = { ...patient, ...practitioner, ...appointment, ...audit };

/** GET /openapi.json · anyone · not audited · 200 */
export const handler = publicRoute(routes.openApi, async ({ baseUrl }) => ({
  status: 200,
  body: openApiDocument(baseUrl, routeEntries(), contracts),
  contentType: 'application/json; charset=utf-8',
}));
