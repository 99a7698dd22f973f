/**
 * `GET /docs` on the local gateway: Swagger UI (swagger-ui-dist, served from node_modules, so
 * it works offline) rendering the API's own `/openapi.json`. Local only: in AWS the document is
 * served at `/openapi.json` and any OpenAPI viewer can read it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface DocsResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** The files of swagger-ui-dist the page loads, and nothing else of node_modules. */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>FHIR records API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="stylesheet" href="/docs/index.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

/** No inline script: the page's CSP allows scripts from this origin only. */
const INIT = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    tryItOutEnabled: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
  });
};
`;

const HEADERS = {
  'Cache-Control': 'no-cache',
  'X-Content-Type-Options': 'nosniff',
  // Swagger UI sets inline styles; scripts, data and fonts come from this origin only.
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
};

let distDir: string | undefined;
const dist = (): string => {
  distDir ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return distDir;
};

/** Whether a path belongs to the docs (and so never to an API route). */
export const isDocsPath = (pathname: string): boolean =>
  pathname === '/docs' || pathname.startsWith('/docs/');

/** The docs page or one of its assets; 404 for anything else under /docs. */
export function docsResponse(pathname: string): DocsResponse {
  if (pathname === '/docs' || pathname === '/docs/' || pathname === '/docs/index.html') {
    return { status: 200, headers: { ...HEADERS, 'Content-Type': 'text/html; charset=utf-8' }, body: PAGE };
  }
  const name = pathname.slice('/docs/'.length);
  if (name === 'init.js') {
    return {
      status: 200,
      headers: { ...HEADERS, 'Content-Type': 'text/javascript; charset=utf-8' },
      body: INIT,
    };
  }
  const type = ASSETS[name];
  if (!type) return { status: 404, headers: { ...HEADERS, 'Content-Type': 'text/plain' }, body: 'not found' };
  return {
    status: 200,
    headers: { ...HEADERS, 'Content-Type': type },
    body: readFileSync(join(dist(), name)),
  };
}
