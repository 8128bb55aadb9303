import { test, expect, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import { signIn, sql, submitProviderLogin, USERS, waitForHydration } from './helpers';

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
  // The heading says the date with its weekday; the section carries it as data.
  const day = page.locator(`[data-test="business-date"][data-date="${DATE}"]`);
  await day.getByRole('link', { name: 'Browse the items' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Items' })).toBeVisible();

  // Filter: mismatches only. The filter lands in the URL.
  await page.getByLabel('Class').selectOption('mismatch');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/class=mismatch/);
  const rows = page.locator('[data-test="item-row"]');
  await expect(rows.first()).toBeVisible();
  // Classes and reasons are shown in words; each cell carries its code.
  await expect(rows.first().locator('td:nth-child(2)')).toHaveText('Mismatch');
  for (const cls of await rows.locator('td:nth-child(2)').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-code'))))
    expect(cls).toBe('mismatch');

  // Narrower: one reason, and the link carries both.
  await page.getByLabel('Reason').selectOption('amount_differs');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/class=mismatch.*reason=amount_differs|reason=amount_differs.*class=mismatch/);
  await expect(rows.first().locator('td:nth-child(3)')).toHaveText('Amount differs');
  for (const reason of await rows.locator('td:nth-child(3)').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-code'))))
    expect(reason).toBe('amount_differs');
  // Its total is known from the run's counts, and the pager says where the page stands.
  await expect(page.locator('[data-test="list-position"]')).toHaveText(/^1–\d+ of \d+$/);

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
  // The reason filter is a choice of reasons by name; the queue says how long it is.
  await expect(page.getByLabel('Reason')).toHaveValue('amount_differs');
  await expect(page.locator('[data-test="list-position"]')).toHaveText(/^1–\d+ of \d+$/);
  // Nothing chosen: said beside the button, without a request.
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Assign chosen to me' }).click();
  await expect(page.locator('[data-test="choose-first"]')).toHaveText('Choose at least one item first.');
  await page.locator('[data-test="work-item"] a').first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Work item' })).toBeVisible();
  await expect(page.locator('[data-test="side-by-side"] tr[data-differs="true"]').first()).toBeVisible();
  await page.getByRole('button', { name: 'Assign to me' }).click();
  await expect(page.locator('[data-test="work-owner"]')).toHaveText(USERS.associate);
  // The owner is not offered the item again.
  await expect(page.getByRole('button', { name: 'Assign to me' })).toHaveCount(0);
  await page.getByLabel('Resolution').selectOption('explained');
  await page.getByLabel('Note').first().fill('Network confirmed the presentment amount; customer refunded the difference.');
  await page.getByRole('button', { name: 'Resolve' }).click();
  await expect(page.locator('[data-test="work-status"]')).toHaveText('Resolved');
  await expect(page.locator('[data-test="work-status"]')).toHaveAttribute('data-status', 'resolved');
  await expect(page.locator('[data-test="notes"]')).toContainText('customer refunded the difference');
  await expect(page.locator('[data-test="history"]')).toContainText('Resolved a work item');
  // A note added afterwards joins the list, and its box is emptied.
  await waitForHydration(page);
  await page.getByLabel('Add a note').fill('Customer told by phone.');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.locator('[data-test="notes"]')).toContainText('Customer told by phone.');
  await expect(page.getByLabel('Add a note')).toHaveValue('');
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
  await expect(first.getByRole('button', { name: 'Assign to me' })).toHaveCount(0);
  await second.getByLabel('Resolution').selectOption('timing');
  await second.getByLabel('Note').first().fill('Expect the record tomorrow.');
  await waitForHydration(second);
  await second.getByRole('button', { name: 'Resolve' }).click();
  await expect(second.locator('[data-test="action-outcome"]').first()).toContainText('changed this item');
  await second.reload();
  await expect(second.locator('[data-test="work-status"]')).toHaveText('In progress');
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
  await expect(payment.locator('[data-test="payment-reconciliation"]')).toHaveAttribute('data-code', 'match');
  await expect(payment.locator('[data-test="payment-reconciliation"]')).toHaveText('Matched');
  await expect(payment).toContainText('••••');
  // No action controls: the only buttons are the search and sign-out (the navigation toggle is
  // only on a phone's screen).
  const buttons = await viewer.getByRole('button').allTextContents();
  expect(buttons.map((b) => b.trim()).sort()).toEqual(['Look up', 'Sign out'].sort());

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

test('items page by page: next and previous, with where the page stands', async ({ page }) => {
  await signIn(page, USERS.associate, `/reports/${DATE}/items?class=match`);
  const position = page.locator('[data-test="list-position"]');
  await expect(position).toHaveText(/^1–50 of \d+$/);
  const first = await page.locator('[data-test="item-row"] td:nth-child(1)').allTextContents();
  await expect(page.locator('[data-test="previous-page"]')).toHaveCount(0);
  await page.locator('[data-test="next-page"]').click();
  await expect(position).toHaveText(/^51–100 of \d+$/);
  await page.locator('[data-test="previous-page"]').click();
  await expect(position).toHaveText(/^1–50 of \d+$/);
  expect(await page.locator('[data-test="item-row"] td:nth-child(1)').allTextContents()).toEqual(first);
});

test('a filter or lookup mistake is said beside its form with a 422, and what was typed stays', async ({ browser }) => {
  // An amount without a currency: the list gives way to the message, the form keeps the amount.
  const associate = await (await browser.newContext()).newPage();
  await signIn(associate, USERS.associate, `/reports/${DATE}/items`);
  await expect(associate.getByLabel('Currency')).toHaveValue('');
  const items = `/reports/${DATE}/items?min=10`;
  expect((await associate.request.get(items)).status()).toBe(422);
  await associate.goto(items);
  await expect(associate.locator('[data-test="form-error"][role="alert"]')).toHaveText('Choose a currency to filter by amount.');
  await expect(associate.getByLabel('Amount from')).toHaveValue('10');
  await expect(associate.locator('[data-test="error-notice"]')).toHaveCount(0);

  // The lookup's currency is a choice, USD unless another is chosen.
  const viewer = await (await browser.newContext()).newPage();
  await signIn(viewer, USERS.viewer, '/lookup');
  await expect(viewer.getByLabel('Currency')).toHaveValue('USD');
  const lookup = `/lookup?last4=12a4&amount=10&currency=EUR&date=${DATE}`;
  expect((await viewer.request.get(lookup)).status()).toBe(422);
  await viewer.goto(lookup);
  await expect(viewer.locator('[data-test="form-error"][role="alert"]')).toHaveText("'12a4' is not the last four digits of a card.");
  await expect(viewer.getByLabel('Card last 4')).toHaveValue('12a4');
  await expect(viewer.getByLabel('Currency')).toHaveValue('EUR');
});

test('the Chinese locale renders translated pages, from the browser or by choice', async ({ browser }) => {
  const chinese = await browser.newContext({ locale: 'zh-CN' });
  const page = await chinese.newPage();
  await signIn(page, USERS.associate, '/reports');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('heading', { level: 1, name: '报表' })).toBeVisible();
  const nav = page.getByRole('navigation', { name: '主导航' });
  await expect(nav.getByRole('link', { name: '仪表板' })).toBeVisible();
  await expect(nav.getByRole('link', { name: '异常' })).toBeVisible();

  // An English-speaking browser, with Chinese chosen on the preferences page (by a person of its
  // own: the choice is kept with them, and every page of theirs follows it).
  sql(`UPDATE person SET language = NULL WHERE username = '${USERS.choosesLanguage}'`);
  const english = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await signIn(english, USERS.choosesLanguage, '/preferences');
  await expect(english.getByRole('heading', { level: 1, name: 'Display preferences' })).toBeVisible();
  await english.getByLabel('Show the portal in').selectOption('zh-CN');
  await waitForHydration(english);
  await english.getByRole('button', { name: 'Use this language' }).click();
  // Saved in place, then the page shows itself again in the language chosen.
  await expect(english.getByRole('heading', { level: 1, name: '显示偏好' })).toBeVisible();
  await english.goto('/exceptions');
  await expect(english.getByRole('heading', { level: 1, name: '异常' })).toBeVisible();

  // The language follows the person: another English-speaking browser, signed in as them, speaks
  // Chinese from the first page.
  const elsewhere = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await elsewhere.goto('/exceptions');
  await submitProviderLogin(elsewhere, USERS.choosesLanguage);
  await expect(elsewhere.getByRole('heading', { level: 1, name: '异常' })).toBeVisible();
  await expect(elsewhere.locator('html')).toHaveAttribute('lang', 'zh-CN');
});

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
