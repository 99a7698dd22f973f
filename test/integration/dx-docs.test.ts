import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { routeEntries } from '../../shared/routes.ts';
import { api, baseUrl, field } from '../support/api.ts';

/** Debian's Chromium; `.ci/run` installs it. Never a downloaded browser build. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

describe('GET /docs', () => {
  it('serves the page and its assets from node_modules, with no third-party origin in it', async () => {
    const page = await api('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).not.toMatch(/https?:\/\//);
    for (const asset of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/init.js']) {
      expect((await api(asset)).status, asset).toBe(200);
    }
    expect((await api('/docs/../package.json')).status).not.toBe(200);
    expect((await api('/docs/package.json')).status).toBe(404);
  });

  it('renders every route of /openapi.json in headless Chromium, offline', { timeout: 90_000 }, async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (Debian/Ubuntu; .ci/run does) or set CHROMIUM_PATH`,
      );
    }
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const elsewhere: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      // Offline: anything but the local gateway is refused (and remembered, to fail the test).
      await page.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === '127.0.0.1') return route.continue();
        elsewhere.push(url.origin);
        return route.abort();
      });
      await page.goto(`${baseUrl()}/docs`);
      await page
        .locator('.opblock-summary-path', { hasText: '/Patient/{id}' })
        .first()
        .waitFor({ timeout: 30_000 });
      await page.getByText('FHIR records API', { exact: false }).first().waitFor();
      const paths = await page.locator('.opblock-summary-path').allTextContents();
      const shown = paths.map((path) => path.replace(/\u200b/g, '').trim());
      for (const [, def] of routeEntries()) expect(shown, def.path).toContain(def.path);
      expect(await page.locator('.opblock').count()).toBe(routeEntries().length);
      expect(await page.locator('.btn.authorize').count()).toBeGreaterThan(0);
      expect(errors).toEqual([]);
      expect(elsewhere).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('fills Try it out with the small example of /openapi.json, not data generated from the schema', {
    timeout: 180_000,
  }, async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: see the test above`);
    const doc = (await api('/openapi.json')).json;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    try {
      const page = await browser.newPage();
      await page.route('**/*', (route) =>
        new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort(),
      );
      await page.goto(`${baseUrl()}/docs`);
      for (const [tag, routeId, path] of [
        ['Patient', 'createPatient', '/Patient'],
        ['Practitioner', 'createPractitioner', '/Practitioner'],
      ] as const) {
        const content = field(doc, 'paths', path, 'post', 'requestBody', 'content', 'application/fhir+json');
        const example = field(content, 'examples', routeId, 'value');
        expect(example, routeId).toBeDefined();
        const block = page.locator(`#operations-${tag}-${routeId}`);
        await block.locator('.opblock-summary').click({ timeout: 60_000 });
        const body = block.locator('textarea.body-param__text');
        await body.waitFor({ timeout: 60_000 });
        expect(JSON.parse(await body.inputValue()), routeId).toEqual(example);
      }
    } finally {
      await browser.close();
    }
  });
});
