/**
 * The local stand-in for invoking a route's Lambda function: its handler module, imported on
 * first use and called in-process. The gateway serves requests with it and injects it as the
 * batch route's dispatcher, so both share one module cache and one context.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { asProxyResult, type Dispatcher } from '../../shared/http/dispatch.ts';
import { lambdaContext } from '../../shared/http/proxy-event.ts';
import type { RouteDef, RouteId } from '../../shared/routes.ts';

type LambdaHandler = (event: APIGatewayProxyEvent, context: Context) => unknown;

/** Where a route's handler module is: its source file by default. */
export type HandlerModule = (id: RouteId, def: RouteDef) => string;

/**
 * Locally: the route's handler module, imported on first use (as the local gateway does).
 * `moduleOf` may name another file per route: the tests run the Lambda bundles this way.
 */
export function inProcessDispatcher(
  root = resolve(import.meta.dirname, '../..'),
  moduleOf: HandlerModule = (_id, def) => resolve(root, def.handler),
): Dispatcher {
  const modules = new Map<string, Promise<LambdaHandler>>();
  const load = (id: RouteId, def: RouteDef): Promise<LambdaHandler> => {
    const file = moduleOf(id, def);
    let loaded = modules.get(file);
    if (!loaded) {
      loaded = import(pathToFileURL(file).href).then((module: unknown) => {
        if (typeof module === 'object' && module !== null && 'handler' in module) {
          const { handler } = module;
          if (typeof handler === 'function') {
            return (event: APIGatewayProxyEvent, context: Context): unknown => handler(event, context);
          }
        }
        throw new Error(`${def.handler} does not export a handler`);
      });
      loaded.catch(() => modules.delete(file));
      modules.set(file, loaded);
    }
    return loaded;
  };
  return {
    async invoke(id, def, event) {
      const handler = await load(id, def);
      return asProxyResult(await handler(event, lambdaContext(id, event.requestContext.requestId)));
    },
  };
}
