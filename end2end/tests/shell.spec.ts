import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { signIn, USERS, waitForHydration } from './helpers';

// One test per page: an axe scan takes seconds of CPU, and five in one test's 30-second budget
// timed out on a busy two-core machine (CI's may be). Each is also marked slow (three times the
// budget): the scan's cost is the machine's, not the page's.
for (const path of ['/', '/reports', '/audit', '/preferences', '/no-such-page']) {
  test(`${path} has no detectable accessibility violations`, async ({ page }) => {
    test.slow();
    await signIn(page, USERS.admin);
    await page.goto(path);
    await waitForHydration(page);
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.map((v) => `${path}: ${v.id}: ${v.help}`)).toEqual([]);
  });
}

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
  await expect(amounts.getByRole('row', { name: /^matches/ })).toContainText(/\d{1,3}(,\d{3})+\.\d{2} USD/);
  await expect(amounts.getByRole('row')).toHaveCount(3);
});

test('the navigation toggle works once the page has hydrated', async ({ page }) => {
  await signIn(page, USERS.associate);
  await waitForHydration(page);
  const toggle = page.getByRole('button', { name: 'Show or hide navigation' });
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(nav).toBeHidden();
  await toggle.click();
  await expect(nav).toBeVisible();
});

test('without the WebAssembly the navigation toggle does nothing', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, USERS.associate);
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'false');
  const toggle = page.getByRole('button', { name: 'Show or hide navigation' });
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await context.close();
});

test('an unknown address gets a 404 page inside the layout', async ({ page }) => {
  await signIn(page, USERS.viewer);
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
});
