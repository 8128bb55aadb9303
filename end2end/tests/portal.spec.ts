import { test, expect, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { signIn, USERS, waitForHydration } from './helpers';

// ./test reconciles 2026-11-20 from generated feeds before the browser tests start.
const DATE = '2026-11-20';

/** The class counts the items page shows, e.g. {"mismatch/amount_differs": 12, ...}. */
async function classCounts(page: Page): Promise<Record<string, number>> {
  const entries = await page.locator('[data-test="class-counts"] [data-count]').evaluateAll((nodes) =>
    nodes.map((n) => [n.getAttribute('data-count') ?? '', Number(n.textContent)] as [string, number]),
  );
  return Object.fromEntries(entries);
}

test('an associate filters a date\'s mismatches, downloads the file and resolves an item with a note', async ({ page }) => {
  await signIn(page, USERS.associate, '/reports');
  const day = page.locator('[data-test="business-date"]').filter({ hasText: DATE });
  await day.getByRole('link', { name: 'Browse the items' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Items' })).toBeVisible();

  // Filter: mismatches only. The filter lands in the URL.
  await page.getByLabel('Class').selectOption('mismatch');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/class=mismatch/);
  const rows = page.locator('[data-test="item-row"]');
  await expect(rows.first()).toBeVisible();
  for (const cls of await rows.locator('td:nth-child(2)').allTextContents()) expect(cls).toBe('mismatch');

  // Narrower: one reason, and the link carries both.
  await page.getByLabel('Reason').selectOption('amount_differs');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/class=mismatch.*reason=amount_differs|reason=amount_differs.*class=mismatch/);
  for (const reason of await rows.locator('td:nth-child(3)').allTextContents()) expect(reason).toBe('amount_differs');

  // The mismatches file holds exactly the mismatches the page counts.
  const counts = await classCounts(page);
  const mismatches = Object.entries(counts)
    .filter(([k]) => k.startsWith('mismatch'))
    .reduce((sum, [, n]) => sum + n, 0);
  expect(mismatches).toBeGreaterThan(0);
  const downloading = page.waitForEvent('download');
  await page.locator('[data-test="download-mismatches"]').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`mismatches-${DATE}-v1.csv`);
  const text = fs.readFileSync((await download.path())!, 'utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  expect(lines[0]).toContain('class,reason,network');
  expect(lines.length - 1).toBe(mismatches);

  // Work an item: assign it, then resolve it with a note.
  await page.goto(`/exceptions?reason=amount_differs`);
  await page.locator('[data-test="work-item"] a').first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Work item' })).toBeVisible();
  await expect(page.locator('[data-test="side-by-side"] tr[data-differs="true"]').first()).toBeVisible();
  await page.getByRole('button', { name: 'Assign to me' }).click();
  await expect(page.locator('[data-test="work-owner"]')).toHaveText(USERS.associate);
  await page.getByLabel('Resolution').selectOption('explained');
  await page.getByLabel('Note').first().fill('Network confirmed the presentment amount; customer refunded the difference.');
  await page.getByRole('button', { name: 'Resolve' }).click();
  await expect(page.locator('[data-test="work-status"]')).toHaveText('resolved');
  await expect(page.locator('[data-test="notes"]')).toContainText('customer refunded the difference');
  await expect(page.locator('[data-test="history"]')).toContainText('work_item.resolve');
});

test('two associates on one item: the second gets a conflict and nothing is lost', async ({ browser }) => {
  const first = await (await browser.newContext()).newPage();
  const second = await (await browser.newContext()).newPage();
  await signIn(first, USERS.associate, '/exceptions?reason=network_only');
  const href = await first.locator('[data-test="work-item"] a').first().getAttribute('href');
  await first.goto(href!);
  await signIn(second, 'aaron', href!);
  await expect(second.getByRole('button', { name: 'Resolve' })).toBeVisible();

  // The first associate takes the item; the second's page still shows the old version.
  await first.getByRole('button', { name: 'Assign to me' }).click();
  await expect(first.locator('[data-test="work-owner"]')).toHaveText(USERS.associate);
  await second.getByLabel('Resolution').selectOption('timing');
  await second.getByLabel('Note').first().fill('Expect the record tomorrow.');
  await waitForHydration(second);
  await second.getByRole('button', { name: 'Resolve' }).click();
  await expect(second.locator('[data-test="form-error"]').first()).toContainText('changed this item');
  await second.reload();
  await expect(second.locator('[data-test="work-status"]')).toHaveText('in_progress');
  await expect(second.locator('[data-test="work-owner"]')).toHaveText(USERS.associate);
});

test('a viewer finds a payment by reference, read-only, and a direct POST to an associate action is refused and audited', async ({ browser }) => {
  // An associate's view gives a matched item's network reference and payment id.
  const associate = await (await browser.newContext()).newPage();
  await signIn(associate, USERS.associate, `/reports/${DATE}/items?class=match`);
  const row = associate.locator('[data-test="item-row"]').first();
  const reference = (await row.locator('td:nth-child(5)').textContent())!.trim();
  const paymentId = (await row.locator('td:nth-child(9)').textContent())!.trim();
  expect(reference).toMatch(/^\d{23}$/);

  const viewer = await (await browser.newContext()).newPage();
  await signIn(viewer, USERS.viewer, '/lookup');
  await viewer.getByLabel('Network reference').fill(reference);
  await viewer.getByRole('button', { name: 'Look up' }).click();
  const payment = viewer.locator('[data-test="payment"]');
  await expect(payment).toHaveCount(1);
  await expect(payment).toContainText(paymentId);
  await expect(payment.locator('[data-test="payment-reconciliation"]')).toHaveText('match');
  await expect(payment).toContainText('••••');
  // No action controls: the only buttons are the search, sign-out and the navigation toggle.
  const buttons = await viewer.getByRole('button').allTextContents();
  expect(buttons.map((b) => b.trim()).sort()).toEqual(['Look up', 'Show or hide navigation', 'Sign out'].sort());

  const forged = await viewer.request.post('/api/exceptions/assign', {
    headers: { Origin: new URL(viewer.url()).origin, Accept: 'application/json' },
    form: { id: '1', version: '1' },
  });
  expect(forged.status()).toBe(403);

  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, USERS.admin, `/audit?actor=${USERS.viewer}&action=auth.access_denied`);
  await expect(
    admin.locator('[data-test="audit-events"]').getByRole('row').filter({ hasText: '/api/exceptions/assign' }),
  ).toHaveCount(1);
  await admin.goto(`/audit?actor=${USERS.viewer}&action=customer_data.view`);
  await expect(admin.locator('[data-test="audit-events"]')).toContainText(`payment:${paymentId}`);
});

test('the Chinese locale renders translated pages, from the browser or by choice', async ({ browser }) => {
  const chinese = await browser.newContext({ locale: 'zh-CN' });
  const page = await chinese.newPage();
  await signIn(page, USERS.associate, '/reports');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('heading', { level: 1, name: '报表' })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: '仪表板' })).toBeVisible();
  await expect(nav.getByRole('link', { name: '异常' })).toBeVisible();

  // An English-speaking browser, with Chinese chosen on the preferences page.
  const english = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await signIn(english, USERS.associate, '/preferences');
  await expect(english.getByRole('heading', { level: 1, name: 'Display preferences' })).toBeVisible();
  await english.getByLabel('Show the portal in').selectOption('zh-CN');
  await waitForHydration(english);
  await english.getByRole('button', { name: 'Use this language' }).click();
  await expect(english.getByRole('status').last()).toBeVisible();
  await english.goto('/exceptions');
  await expect(english.getByRole('heading', { level: 1, name: '异常' })).toBeVisible();
});

/** Runs one statement against the portal's database (./test exports DATABASE_URL). */
function sql(statement: string): string {
  return execFileSync('psql', [process.env.DATABASE_URL ?? '', '-tAqc', statement], { encoding: 'utf8' }).trim();
}

test('the dashboard follows a run in progress without a reload', async ({ page }) => {
  // A run part-way through writing its items, of a date with no feeds (the scheduler leaves it be).
  const id = sql(`INSERT INTO recon_run (business_date, version, rule_set_version, status, stage, items_done, items_total)
                  VALUES ('2025-01-02', 1, 1, 'running', 'writing reports and items', 250000, 1000000) RETURNING id`);
  try {
    await signIn(page, USERS.associate, '/');
    await waitForHydration(page);
    const running = page.locator('[data-test="running"]');
    await expect(running).toContainText('2025-01-02, version 1: writing reports and items');
    const progress = page.locator('[data-test="run-progress"]');
    await expect(progress).toHaveText('250000 of 1000000 records (25 %)');
    sql(`UPDATE recon_run SET items_done = 750000 WHERE id = ${id}`);
    await expect(progress).toHaveText('750000 of 1000000 records (75 %)', { timeout: 10_000 });
    // The run ends: the status goes and the overview is read again.
    sql(`UPDATE recon_run SET status = 'abandoned', finished_at = now() WHERE id = ${id}`);
    await expect(running).toHaveCount(0, { timeout: 10_000 });
    await expect(page.locator('[data-test="latest-run"]')).toBeVisible();
  } finally {
    sql(`UPDATE recon_run SET status = 'abandoned', finished_at = coalesce(finished_at, now()) WHERE id = ${id}`);
  }
});
