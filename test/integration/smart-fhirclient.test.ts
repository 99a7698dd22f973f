import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, baseUrl, field, token } from '../support/api.ts';
import { ROOT } from '../support/gateway.ts';
import { createPatient, newOrg } from '../support/patients.ts';
import {
  appointmentBody,
  createPractitioner,
  EVERY_DAY,
  HOUR,
  idOf,
  practitionerBody,
  utcDay,
  workingHours,
} from '../support/schedule.ts';
import { addUser, registerClient } from '../support/smart.ts';

/**
 * The official SMART JavaScript client (fhirclient's browser bundle) in Debian's headless
 * Chromium, through a standalone patient launch: an app on its own origin, the authorize page,
 * the token endpoint called cross-origin as a public client, then the API.
 */

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
const SCOPE = 'launch/patient patient/*.rs openid fhirUser';

/** The app's files: its two pages and fhirclient's browser bundle (global `FHIR`). */
const APP_FILES: Readonly<Record<string, string>> = {
  '/launch.html': join(ROOT, 'test/support/smart-app/launch.html'),
  '/index.html': join(ROOT, 'test/support/smart-app/index.html'),
  '/fhir-client.js': join(ROOT, 'node_modules/fhirclient/build/fhir-client.js'),
};

const org = newOrg();
const patientSub = `fhirclient-patient-${org}`;
const appOrigin = `http://127.0.0.1:${inject('smartAppPort')}`;
let app: Server;
let clientId: string;
let patientId: string;
let appointmentId: string;

beforeAll(async () => {
  app = createServer((req, res) => {
    const file = APP_FILES[new URL(req.url ?? '/', appOrigin).pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': file.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8',
    });
    res.end(readFileSync(file));
  });
  await new Promise<void>((done, fail) => {
    app.once('error', fail);
    app.listen(Number(new URL(appOrigin).port), '127.0.0.1', () => done());
  });

  const admin = await token({ role: 'admin', org, sub: `fhirclient-admin-${org}` });
  const practitioner = await createPractitioner(
    admin,
    practitionerBody('Launcher', [workingHours(EVERY_DAY, '08:00:00', '18:00:00', 'UTC')]),
  );
  patientId = await createPatient(admin, {
    resourceType: 'Patient',
    name: [{ family: 'Browser', given: ['Smart'] }],
  });
  const start = utcDay(9) + 10 * HOUR;
  const booked = await api('/Appointment', {
    token: admin,
    body: appointmentBody(patientId, practitioner, start, start + HOUR / 2),
  });
  expect(booked.status, booked.text).toBe(201);
  appointmentId = idOf(booked);
  addUser(['--role', 'patient', '--org', org, '--sub', patientSub, '--patient', patientId]);
  clientId = registerClient([
    '--name',
    'fhirclient browser app',
    '--redirect-uri',
    `${appOrigin}/index.html`,
    '--public',
    '--scopes',
    SCOPE,
  ]);
});

afterAll(async () => {
  await new Promise<void>((done) => (app ? app.close(() => done()) : done()));
});

describe('a browser app on another origin calls the authorization server', () => {
  it('gets CORS headers for its origin on discovery and on the token endpoint, preflight included', async () => {
    const discovery = await api('/.well-known/smart-configuration', { headers: { origin: appOrigin } });
    expect(discovery.headers.get('access-control-allow-origin')).toBe(appOrigin);
    const refused = await fetch(`${baseUrl()}/auth/token`, {
      method: 'POST',
      headers: { origin: appOrigin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: clientId }),
    });
    expect(refused.status).toBe(400);
    // The app must read the error too, not only a success.
    expect(refused.headers.get('access-control-allow-origin')).toBe(appOrigin);
    const preflight = await fetch(`${baseUrl()}/auth/token`, {
      method: 'OPTIONS',
      headers: {
        origin: appOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(appOrigin);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
  });

  it('gives an origin outside CORS_ORIGINS no CORS headers', async () => {
    const elsewhere = { origin: 'https://elsewhere.example.test' };
    const answer = await fetch(`${baseUrl()}/auth/token`, {
      method: 'POST',
      headers: { ...elsewhere, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: clientId }),
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    const discovery = await api('/.well-known/smart-configuration', { headers: elsewhere });
    expect(discovery.status).toBe(200);
    expect(discovery.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('fhirclient in headless Chromium', () => {
  it('makes a standalone patient launch with PKCE, reads the patient and their appointments, and is refused a write', {
    timeout: 60_000,
  }, async () => {
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
      const authorizeUrls: URL[] = [];
      const tokenOrigins: (string | undefined)[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname === '/auth/authorize' && request.method() === 'GET') authorizeUrls.push(url);
        if (url.pathname === '/auth/token') tokenOrigins.push(request.headers().origin);
      });
      // Offline: only the app and the gateway, both on loopback.
      await page.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === '127.0.0.1') return route.continue();
        elsewhere.push(url.origin);
        return route.abort();
      });

      const launch = new URLSearchParams({ iss: baseUrl(), clientId });
      await page.goto(`${appOrigin}/launch.html?${launch}`);
      // The authorize page's User select, or the launch page's error if fhirclient gave up.
      await page.locator('#user, [data-error]').first().waitFor({ timeout: 15_000 });
      const failed = page.locator('[data-error]');
      if ((await failed.count()) > 0)
        throw new Error(`the launch failed: ${await failed.getAttribute('data-error')}`);
      const user = page.getByLabel('User');
      await user.selectOption(patientSub);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(`${appOrigin}/index.html?**`, { timeout: 15_000 });
      const result = page.locator('#result');
      await expect.poll(() => result.textContent(), { timeout: 15_000 }).not.toBe('');
      const seen: unknown = JSON.parse((await result.textContent()) ?? '');
      expect(field(seen, 'error'), 'the app failed').toBeUndefined();

      const [authorize] = authorizeUrls;
      expect(authorizeUrls).toHaveLength(1);
      expect(authorize?.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize?.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(authorize?.searchParams.get('aud')).toBe(baseUrl());
      expect(authorize?.searchParams.get('client_id')).toBe(clientId);
      // The code was exchanged by the app's script, cross-origin, as a public client.
      expect(tokenOrigins).toEqual([appOrigin]);

      const granted = String(field(seen, 'tokenResponse', 'scope')).split(' ');
      expect(granted).toEqual(expect.arrayContaining(SCOPE.split(' ')));
      expect(field(seen, 'tokenResponse', 'token_type')).toBe('Bearer');
      expect(field(seen, 'tokenResponse', 'patient')).toBe(patientId);
      expect(field(seen, 'patientId')).toBe(patientId);
      expect(field(seen, 'idToken', 'fhirUser')).toBe(`${baseUrl()}/Patient/${patientId}`);
      expect(field(seen, 'idToken', 'aud')).toBe(clientId);
      expect(field(seen, 'fhirUser')).toBe(`Patient/${patientId}`);
      expect(field(seen, 'patient')).toEqual({ resourceType: 'Patient', id: patientId });
      expect(field(seen, 'appointments')).toEqual([appointmentId]);
      expect(field(seen, 'write', 'status')).toBe(403);
      expect(String(field(seen, 'write', 'message'))).toContain('patient/Appointment.c');
      expect(errors).toEqual([]);
      expect(elsewhere).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
