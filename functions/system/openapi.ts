import { byRouteId } from '../../shared/http/clinical-contracts.ts';
import { openApiDocument } from '../../shared/http/openapi.ts';
import { publicRoute } from '../../shared/http/public-route.ts';
import { routeEntries, routes } from '../../shared/routes.ts';
import { contracts as allergyIntolerance } from '../allergy-intolerance/contracts.ts';
import { contracts as appointment } from '../appointment/contracts.ts';
import { contracts as audit } from '../audit/contracts.ts';
import { contracts as binary } from '../binary/contracts.ts';
import { contracts as careTeam } from '../care-team/contracts.ts';
import { contracts as condition } from '../condition/contracts.ts';
import { contracts as documentReference } from '../document-reference/contracts.ts';
import { contracts as encounter } from '../encounter/contracts.ts';
import { contracts as immunization } from '../immunization/contracts.ts';
import { contracts as medicationRequest } from '../medication-request/contracts.ts';
import { contracts as observation } from '../observation/contracts.ts';
import { contracts as patient } from '../patient/contracts.ts';
import { contracts as practitioner } from '../practitioner/contracts.ts';
import { contracts as procedure } from '../procedure/contracts.ts';

/** Every route's contract: schemas only, so this bundle carries no handler's SDK or keys. */
export const contracts = {
  ...patient,
  ...practitioner,
  ...appointment,
  ...audit,
  ...binary,
  ...byRouteId(encounter),
  ...byRouteId(observation),
  ...byRouteId(condition),
  ...byRouteId(allergyIntolerance),
  ...byRouteId(medicationRequest),
  ...byRouteId(procedure),
  ...byRouteId(immunization),
  ...byRouteId(documentReference),
  ...byRouteId(careTeam),
};

/** GET /openapi.json · anyone · not audited · 200 */
export const handler = publicRoute(routes.openApi, async ({ baseUrl }) => ({
  status: 200,
  body: openApiDocument(baseUrl, routeEntries(), contracts),
  contentType: 'application/json; charset=utf-8',
}));
