import { test, expect } from '@playwright/test';
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
