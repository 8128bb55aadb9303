import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

const SECTIONS = ['Dashboard', 'Reports', 'Exceptions', 'Ledger', 'Audit', 'Admin'];

async function waitForHydration(page: Page) {
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'true');
}

test('every section is reachable from the main navigation, with landmarks in place', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('banner')).toContainText('SettleDesk');
  await expect(page.getByRole('main')).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const section of SECTIONS) {
    await nav.getByRole('link', { name: section, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: section })).toBeVisible();
    await expect(nav.getByRole('link', { name: section, exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(page).toHaveTitle(`${section} · SettleDesk`);
  }
});

test('pages have no detectable accessibility violations', async ({ page }) => {
  for (const path of ['/', '/reports', '/preferences', '/no-such-page']) {
    await page.goto(path);
    await waitForHydration(page);
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.map((v) => `${path}: ${v.id}: ${v.help}`)).toEqual([]);
  }
});

test('the dashboard shows the open business date and a healthy database', async ({ page }) => {
  await page.goto('/');
  const businessDate = page.locator('[data-test="business-date"]');
  await expect(businessDate.getByRole('heading', { name: 'Open business date' })).toBeVisible();
  await expect(businessDate).toContainText('18:00 America/New_York');
  const system = page.locator('[data-test="system"]');
  await expect(system).toContainText('Connected');
  await expect(system).toContainText(/Schema version\s*\d{14}/);
});

test('the navigation toggle works once the page has hydrated', async ({ page }) => {
  await page.goto('/');
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
  await page.goto('/');
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'false');
  const toggle = page.getByRole('button', { name: 'Show or hide navigation' });
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await context.close();
});

test('an unknown address gets a 404 page inside the layout', async ({ page }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
});
