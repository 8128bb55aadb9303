import { test, expect, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import { signIn, USERS, waitForHydration } from './helpers';

// ./test reconciles 2026-11-19 for these tests alone (a release is per business date).
const DAY = '2026-11-19';

/** The rows of a downloaded CSV (header first), split naively: these exports hold no commas in cells. */
function csvRows(path: string): string[][] {
  const text = fs.readFileSync(path, 'utf8');
  // Every export starts with a byte-order mark, so that a spreadsheet reads it as UTF-8.
  expect(text.charCodeAt(0)).toBe(0xfeff);
  return text
    .slice(1)
    .split('\r\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split(','));
}

test('a batch release shows what it will post, and the approver releases exactly that list', async ({ browser }) => {
  test.setTimeout(90_000); // two people, a transfer and a release
  const associate = await (await browser.newContext()).newPage();
  await signIn(associate, USERS.associate, `/exceptions?date=${DAY}&reason=reversal`);
  const first = associate.locator('[data-test="work-item"]').first();
  const itemId = await first.getAttribute('data-item');
  await first.getByRole('link').first().click();
  await associate.getByRole('link', { name: 'Start a funds transfer for this item' }).click();
  // Filled from the reversal's posting template: the network's account back to global finance.
  await expect(associate.getByLabel('From account')).toHaveValue(/^(visa|mastercard)_settlement$/);
  await expect(associate.getByLabel('To account')).toHaveValue('global_finance_resettlement');
  const amount = await associate.getByLabel('Amount', { exact: true }).inputValue();
  expect(amount).toMatch(/^\d+\.\d{2}$/);
  await waitForHydration(associate);
  // Accounts no other test reads balances of (the tests share one ledger and run in parallel).
  await associate.getByLabel('From account').selectOption('network_fees');
  await associate.getByLabel('To account').selectOption('customer_funding');
  await associate.getByRole('button', { name: 'Initiate' }).click();
  await expect(associate.locator('[data-test="action-outcome"]').first()).toContainText('waiting for an approver');
  const actionId = (await associate.locator('[data-test="action-outcome"]').first().textContent())!.match(/Action (\d+)/)![1];

  // The approver reviews the day's list first: the action, its item and its initiator.
  const approver = await (await browser.newContext()).newPage();
  await signIn(approver, USERS.approver, `/ledger?release=${DAY}`);
  const line = approver.locator(`[data-test="release-line"][data-action="${actionId}"]`);
  await expect(line).toContainText(itemId!);
  await expect(line).toContainText(USERS.associate);
  await expect(line).toContainText('network_fees → customer_funding');
  const lines = await approver.locator('[data-test="release-line"]').count();
  await waitForHydration(approver);
  // The release asks first, naming how many actions of which day it approves.
  const release = approver.locator('[data-test="release"]');
  await release.locator('summary', { hasText: 'Approve this list as one batch' }).click();
  await expect(release).toContainText(`Approve all ${lines} action(s) of ${DAY} listed above as one batch?`);
  await release.getByRole('button', { name: 'Yes, release them' }).click();
  await expect(approver.locator('[data-test="action-outcome"]').first()).toContainText(`Released ${lines} action(s) of ${DAY}`);
  await expect(approver.locator(`[data-test="decided"] [data-action="${actionId}"]`)).toContainText('Posted (transaction');

  // The item is settled by it.
  await associate.goto(`/exceptions/${itemId}`);
  await expect(associate.locator('[data-test="work-status"]')).toHaveText('Resolved');
  await expect(associate.locator('[data-test="work-resolution"]')).toHaveText('Corrected');
});

test('a supervisor assigns items to an associate, who resolves them together', async ({ browser }) => {
  test.setTimeout(90_000);
  // The associate has signed in before: she is someone work can be given to.
  const associate = await (await browser.newContext()).newPage();
  await signIn(associate, USERS.associate, '/exceptions');
  // An associate assigns to herself only: no choice of person, and a forged one is refused.
  await expect(associate.getByLabel('Assign to')).toHaveCount(0);
  const forged = await associate.request.post('/api/exceptions/bulk', {
    headers: { Origin: new URL(associate.url()).origin, Accept: 'application/json' },
    form: { 'items[0]': '1:1', op: 'assign', to: '999999' },
  });
  expect(forged.status()).toBe(422);
  expect(await forged.text()).toContain('only a supervisor');

  const supervisor = await (await browser.newContext()).newPage();
  await signIn(supervisor, USERS.approver, `/exceptions?date=${DAY}`);
  const mismatches = supervisor.locator('[data-test="work-item"]').filter({ hasText: 'mismatch' });
  await expect(mismatches).toHaveCount(2);
  const ids = await mismatches.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-item')!));
  await waitForHydration(supervisor);
  for (const id of ids) await supervisor.getByLabel(`Choose item ${id}`).check();
  await supervisor.getByLabel('Assign to', { exact: true }).selectOption({ label: USERS.associate });
  await supervisor.getByRole('button', { name: 'Assign chosen', exact: true }).click();
  await expect(supervisor.locator('[data-test="queue-outcome"]')).toHaveText(`Assigned 2 item(s) to ${USERS.associate}.`);

  // The associate finds them as hers and resolves both with one reason and one note.
  await associate.goto(`/exceptions?owner=me&status=in_progress&date=${DAY}`);
  const mine = associate.locator('[data-test="work-item"]');
  await expect(mine).toHaveCount(2);
  await waitForHydration(associate);
  for (const id of ids) await associate.getByLabel(`Choose item ${id}`).check();
  await associate.getByLabel('Resolution').selectOption('timing');
  await associate.getByLabel('Note for all of them').fill('Both settle on the next business day.');
  await associate.getByRole('button', { name: 'Resolve chosen' }).click();
  await expect(associate.locator('[data-test="queue-outcome"]')).toHaveText('Resolved 2 item(s).');
  for (const id of ids) {
    await associate.goto(`/exceptions/${id}`);
    await expect(associate.locator('[data-test="work-status"]')).toHaveText('Resolved');
    await expect(associate.locator('[data-test="notes"]')).toContainText('Both settle on the next business day.');
  }
});

test('a help-desk viewer adds a note to a case that the associate then sees', async ({ browser }) => {
  const associate = await (await browser.newContext()).newPage();
  await signIn(associate, USERS.associate, '/reports/2026-11-20/items?class=mismatch&reason=status_conflict');
  const paymentId = (await associate.locator('[data-test="item-row"]').first().locator('td:nth-child(9)').textContent())!.trim();
  expect(paymentId).not.toBe('');

  const viewer = await (await browser.newContext()).newPage();
  await signIn(viewer, USERS.viewer, '/lookup');
  await viewer.getByLabel('Payment id').fill(paymentId);
  await viewer.getByRole('button', { name: 'Look up' }).click();
  const payment = viewer.locator('[data-test="payment"]').first();
  const caseHeading = await payment.locator('[data-test="case"] h3').first().textContent();
  const caseId = caseHeading!.match(/Case (\d+)/)![1];
  await expect(payment.locator('[data-test="case"]')).toContainText('History');
  await waitForHydration(viewer);
  const note = `Customer called about ${paymentId}; told it is being worked.`;
  await payment.getByLabel('Add a note to the case').fill(note);
  await payment.getByRole('button', { name: 'Add note' }).click();
  await expect(payment.locator('[data-test="case-notes"]')).toContainText(note);

  // Only through a payment it looked up: a case named by id is refused.
  const forged = await viewer.request.post('/api/exceptions/note', {
    headers: { Origin: new URL(viewer.url()).origin, Accept: 'application/json' },
    form: { id: caseId, note: 'a note on a case I never looked up' },
  });
  expect(forged.status()).toBe(403);

  await associate.goto(`/exceptions/${caseId}`);
  await expect(associate.locator('[data-test="notes"]')).toContainText(note);
  await expect(associate.locator('[data-test="notes"]')).toContainText(USERS.viewer);
});

async function download(page: Page, trigger: () => Promise<void>): Promise<string> {
  const downloading = page.waitForEvent('download');
  await trigger();
  return (await (await downloading).path())!;
}

test('a CSV export of a filtered list has exactly the rows the page shows', async ({ page }) => {
  await signIn(page, USERS.associate, '/reports/2026-11-20/items?class=resettlement&reason=chargeback');
  const counted = Number(await page.locator('[data-test="class-counts"] [data-count="resettlement/chargeback"]').textContent());
  expect(counted).toBeGreaterThan(0);
  const items = csvRows(await download(page, () => page.locator('[data-test="export"]').click()));
  expect(items[0]).toEqual(['Number in run', 'Class', 'Reason', 'Network', 'Reference', 'Card last 4', 'Transaction date', 'Amount', 'Currency', 'Zelle payment ID']);
  expect(items.length - 1).toBe(counted);
  // As the page says them: in words, never codes.
  for (const row of items.slice(1)) expect([row[1], row[2]]).toEqual(['Resettlement', 'Chargeback']);

  // The queue: every item of the day, whatever its status, the same ids as the page.
  await page.goto(`/exceptions?date=${DAY}&status=any`);
  const shown = await page.locator('[data-test="work-item"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-item')!));
  expect(shown.length).toBeGreaterThan(0);
  const queue = csvRows(await download(page, () => page.locator('[data-test="export"]').click()));
  expect(queue[0][0]).toBe('Item');
  expect(queue.slice(1).map((r) => r[0])).toEqual(shown);

  // The export is in the trail, with its filter.
  const admin = await (await page.context().browser()!.newContext()).newPage();
  await signIn(admin, USERS.admin, `/audit?actor=${USERS.associate}&action=list.export`);
  await expect(admin.locator('[data-test="audit-events"]')).toContainText('/export/items.csv');
  await expect(admin.locator('[data-test="audit-events"]')).toContainText('reason=chargeback');
});

test('an export speaks the language of the person who takes it', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  // Another person than the test above, whose audit check must find only its own export.
  await signIn(page, USERS.otherAssociate, '/reports/2026-11-20/items?class=resettlement&reason=chargeback');
  const items = csvRows(await download(page, () => page.locator('[data-test="export"]').click()));
  expect(items[0]).toEqual(['运行内序号', '类别', '原因', '卡组织', '参考号', '卡号后四位', '交易日期', '金额', '币种', 'Zelle 付款 ID']);
  expect(items.length).toBeGreaterThan(1);
  for (const row of items.slice(1)) expect([row[1], row[2]]).toEqual(['重新结算', '拒付']);
  await context.close();
});
