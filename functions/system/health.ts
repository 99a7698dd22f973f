import { publicRoute } from '../../shared/http/public-route.ts';
import { routes } from '../../shared/routes.ts';

/** GET /health · anyone · not audited · 200 */
export const handler = publicRoute(routes.health, async () => ({
  status: 200,
  body: { status: 'ok' },
  contentType: 'application/json',
}));
