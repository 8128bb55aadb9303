import { test, expect } from '@playwright/test';
import { signIn, USERS, waitForHydration } from './helpers';

test('refusals and sign-ins are in the audit trail, and the chain verifies', async ({ browser }) => {
  // A viewer tries a page and a server function beyond their role.
  const viewerContext = await browser.newContext();
  const viewer = await viewerContext.newPage();
  await signIn(viewer, USERS.viewer);
  expect((await viewer.goto('/ledger'))?.status()).toBe(403);
  const direct = await viewer.request.post('/api/audit/verify', {
    headers: { Origin: new URL(viewer.url()).origin, Accept: 'application/json' },
  });
  expect(direct.status()).toBe(403);
  await viewerContext.close();

  // An admin finds both refusals, and the viewer's sign-in, by searching.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, USERS.admin, '/audit');
  await admin.getByLabel('Actor').fill(USERS.viewer);
  await admin.getByLabel('Action').selectOption('auth.access_denied');
  await admin.getByRole('button', { name: 'Search' }).click();
  await expect(admin).toHaveURL(/actor=vera/);
  const table = admin.locator('[data-test="audit-events"]');
  await expect(table.getByRole('row').filter({ hasText: 'page:/ledger' })).toHaveCount(1);
  await expect(table.getByRole('row').filter({ hasText: '/api/audit/verify' })).toHaveCount(1);

  // A sign-in's details in words (the role by its name), and the data as recorded kept for auditors.
  await admin.goto(`/audit?actor=${USERS.viewer}&action=auth.login`);
  const events = admin.locator('[data-test="audit-events"]');
  await expect(events.locator('tr[data-action="auth.login"]').first()).toContainText('Help desk');
  await expect(events).toContainText('"roles":["viewer"]');

  // The report appears in place: wait until the page is interactive before asking for it.
  await waitForHydration(admin);
  await admin.getByRole('button', { name: 'Verify the chain' }).click();
  await expect(admin.locator('[data-test="chain-report"]')).toContainText('The audit chain is intact');
  await adminContext.close();
});

test('a search with a bad date says what is wrong', async ({ page }) => {
  await signIn(page, USERS.admin, '/audit?from=23/11/2026');
  await expect(page.getByRole('alert')).toContainText("'23/11/2026' is not a date (YYYY-MM-DD) for 'from'");
});
