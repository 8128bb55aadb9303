import { test, expect } from '@playwright/test';
import { signIn, USERS, waitForHydration } from './helpers';

// The accessibility scans of every page, in both languages, widths and colour schemes, are in
// pages.spec.ts.

test('the dashboard shows the open business date and a healthy database', async ({ page }) => {
  await signIn(page, USERS.associate);
  const businessDate = page.locator('[data-test="business-date"]');
  await expect(businessDate.getByRole('heading', { name: 'Open business date' })).toBeVisible();
  await expect(businessDate).toContainText('18:00 America/New_York');
  const system = page.locator('[data-test="system"]');
  await expect(system).toContainText('Connected');
  await expect(system).toContainText(/Schema version\s*\d{14}/);
});

test('the dashboard shows the latest completed reconciliation', async ({ page }) => {
  await signIn(page, USERS.associate);
  const run = page.locator('[data-test="latest-run"]');
  await expect(run).toContainText('Friday 20 November 2026');
  await expect(page.locator('[data-test="match-rate"]')).toHaveText(/^\d{2}\.\d %$/);
  const matches = Number(await page.locator('[data-test="matches"]').textContent());
  const mismatches = Number(await page.locator('[data-test="mismatches"]').textContent());
  expect(matches).toBeGreaterThan(1_500);
  expect(mismatches).toBeGreaterThan(0);
  // Amounts per report and currency, grouped in thousands with the currency's decimals.
  const amounts = page.locator('[data-test="amounts"]');
  await expect(amounts.getByRole('row', { name: /^Matches/ })).toContainText(/\d{1,3}(,\d{3})+\.\d{2} USD/);
  await expect(amounts.getByRole('row')).toHaveCount(3);
});

test('on a wide screen the navigation is always shown and has no toggle', async ({ page }) => {
  await page.setViewportSize({ width: 1366, height: 900 });
  await signIn(page, USERS.associate);
  await waitForHydration(page);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Show or hide navigation' })).toBeHidden();
});

test('on a phone the navigation drawer is closed on load and the toggle opens and closes it', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, USERS.associate);
  await waitForHydration(page);
  const toggle = page.getByRole('button', { name: 'Show or hide navigation' });
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toBeHidden();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  // Sign out is on screen, not cut off.
  const signOut = page.getByRole('button', { name: 'Sign out' });
  await expect(signOut).toBeInViewport({ ratio: 1 });
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(nav).toBeVisible();
  // Following a link closes it again.
  await nav.getByRole('link', { name: 'Reports', exact: true }).click();
  await expect(page).toHaveURL(/\/reports$/);
  await expect(nav).toBeHidden();
  await toggle.click();
  await toggle.click();
  await expect(nav).toBeHidden();
});

test('without the WebAssembly the toggle still opens the drawer on a phone', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, USERS.associate);
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'false');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toBeHidden();
  await page.getByRole('button', { name: 'Show or hide navigation' }).click();
  await expect(nav).toBeVisible();
  await nav.getByRole('link', { name: 'Reports', exact: true }).click();
  await expect(page).toHaveURL(/\/reports$/);
  await expect(nav).toBeHidden();
  await context.close();
});

test('an unknown address gets a 404 page inside the layout', async ({ page }) => {
  await signIn(page, USERS.viewer);
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
});
