import { test, expect, type Page } from '@playwright/test';
import * as http from 'node:http';
import { signIn, USERS, waitForHydration } from './helpers';

test('pages carry a strict policy with a per-response script nonce, and still hydrate', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await signIn(page, USERS.associate);
  const response = await page.goto('/');
  const headers = response!.headers();
  const policy = headers['content-security-policy'];
  const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
  expect(nonce, policy).toBeTruthy();
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).not.toContain('unsafe-inline');
  expect(await page.locator(`script[nonce]`).count()).toBeGreaterThan(0);
  expect(headers['cache-control']).toBe('no-store');
  expect(headers['referrer-policy']).toBe('same-origin');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['permissions-policy']).toContain('camera=()');
  // Served over plain http here (loopback): no HSTS, which would pin the browser to https.
  expect(headers['strict-transport-security']).toBeUndefined();
  // A second response gets a different nonce.
  const again = (await page.goto('/'))!.headers()['content-security-policy'];
  expect(again).not.toContain(nonce!);
  await waitForHydration(page);
  expect(errors.filter((e) => e.includes('Content Security Policy'))).toEqual([]);
});

test('pages outside the portal get the strict policy without script allowances', async ({ request }) => {
  const response = await request.get('/auth/signed-out');
  const policy = response.headers()['content-security-policy'];
  expect(policy).toContain("script-src 'self';");
  expect(policy).not.toContain('wasm-unsafe-eval');
  expect(policy).toContain("frame-ancestors 'none'");
});

test('after sign-in only a plain local path is followed, and dot segments never pass the page check', async ({ page }) => {
  // A tab, a newline or a space in `next` would send the browser to another site (it drops them).
  await signIn(page, USERS.viewer, '/');
  for (const next of ['/%09/example.org', '/%0a/example.org', '/%20/example.org', '//example.org', '/%5Cexample.org']) {
    const answer = await page.request.get(`/auth/login?next=${next}`, { maxRedirects: 0 });
    expect(answer.status(), next).toBe(303);
    expect(answer.headers()['location'], next).toBe('/');
  }
  const plain = await page.request.get(`/auth/login?next=${encodeURIComponent('/lookup?payment_id=P1')}`, { maxRedirects: 0 });
  expect(plain.headers()['location']).toBe('/lookup?payment_id=P1');
  // A viewer's page check cannot be walked around with encoded dot segments. Sent as written: a
  // browser (and Playwright's own client) would resolve them before sending.
  for (const path of ['/%2e%2e/ledger', '/auth/%2e%2e/ledger', '/reports/%2E%2E/ledger']) {
    const answer = await rawGet(page, path);
    expect(answer.status, path).toBe(400);
    expect(answer.body, path).not.toContain('Journal');
  }
});

/** GET `path` exactly as written, with the page's cookies. */
async function rawGet(page: Page, path: string): Promise<{ status: number; body: string }> {
  const base = new URL(page.url());
  const cookie = (await page.context().cookies(base.origin)).map((c) => `${c.name}=${c.value}`).join('; ');
  return new Promise((resolve, reject) => {
    const request = http.request({ host: base.hostname, port: base.port, path, headers: { Cookie: cookie } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}
