import { test, expect } from '@playwright/test';
import { signIn, USERS, waitForHydration } from './helpers';

test('a transfer from a resettlement item posts only after an approver who is not its initiator approves', async ({ browser }) => {
  test.setTimeout(90_000); // three people, two approvals and a reversal
  // The associate starts a transfer from a chargeback's work item.
  const associate = await (await browser.newContext()).newPage();
  await signIn(associate, USERS.associate, '/exceptions?reason=chargeback');
  await associate.locator('[data-test="work-item"] a').first().click();
  const itemUrl = associate.url();
  await associate.getByRole('link', { name: 'Start a funds transfer for this item' }).click();
  await expect(associate).toHaveURL(/\/ledger\?work_item=\d+/);
  // Outcomes appear in place: act once the page is interactive.
  await waitForHydration(associate);
  // The chargeback's posting template fills the form: from global finance to the network's account.
  await expect(associate.getByLabel('From account')).toHaveValue('global_finance_resettlement');
  await expect(associate.getByLabel('To account')).toHaveValue(/^(visa|mastercard)_settlement$/);
  await expect(associate.getByLabel('Amount', { exact: true })).not.toHaveValue('');
  await associate.getByLabel('To account').selectOption('visa_settlement');
  await associate.getByLabel('Amount', { exact: true }).fill('125.50');
  await associate.getByLabel('What it is for').fill('Chargeback resettlement to the Visa settlement account');
  // Not the item's amount, and no reason: refused beside the reason's field, with a 4xx status.
  const refused = associate.waitForResponse((r) => r.url().includes('/api/ledger/initiate'));
  await associate.getByRole('button', { name: 'Initiate' }).click();
  expect((await refused).status()).toBe(422);
  await expect(associate.locator('#transfer-reason-error')).toContainText('say why in the reason');
  await expect(associate.locator('#transfer-reason-error')).toBeVisible();
  // The refusal kept what was typed.
  await expect(associate.getByLabel('To account')).toHaveValue('visa_settlement');
  await expect(associate.getByLabel('Amount', { exact: true })).toHaveValue('125.50');
  await associate.getByLabel("Why the amount differs from the item's").fill('Partial chargeback agreed with Visa');
  await associate.getByRole('button', { name: 'Initiate' }).click();
  await expect(associate.locator('[data-test="action-outcome"]').first()).toContainText('waiting for an approver');
  // The form is emptied: a second press cannot make a second action.
  await expect(associate.getByLabel('Amount', { exact: true })).toHaveValue('');
  await expect(associate.locator('[data-test="transfer-item"]')).toContainText('Waiting for approval');
  const row = associate.locator('[data-test="pending-action"]').filter({ hasText: 'Chargeback resettlement' });
  await expect(row).toHaveCount(1);
  await expect(row.locator('[data-test="difference-reason"]')).toContainText('Partial chargeback agreed with Visa');
  await expect(row.locator('summary', { hasText: 'Approve' })).toHaveCount(0);
  const actionId = await row.getAttribute('data-action');

  // Approving it directly is refused: the initiator is no approver.
  const forged = await associate.request.post('/api/ledger/approve', {
    headers: { Origin: new URL(associate.url()).origin, Accept: 'application/json' },
    form: { id: actionId! },
  });
  expect(forged.status()).toBe(403);
  await expect(associate.locator('[data-account="visa_settlement"] [data-test="balance"]')).toHaveText('0.00 USD');

  // An approver approves; it posts.
  const approver = await (await browser.newContext()).newPage();
  await signIn(approver, USERS.approver, '/ledger');
  const pending = approver.locator(`[data-test="pending-action"][data-action="${actionId}"]`);
  await waitForHydration(approver);
  // Approve asks first, naming what moves; opening the question and closing it again does nothing.
  const approveStep = pending.locator('[data-test="approve"]');
  await approveStep.locator('summary', { hasText: 'Approve' }).click();
  await expect(approveStep).toContainText('Approve moving 125.50 USD from global_finance_resettlement to visa_settlement?');
  await expect(approveStep.getByRole('button', { name: 'Yes, approve' })).toBeVisible();
  await approveStep.locator('summary').click();
  await expect(approveStep.getByRole('button', { name: 'Yes, approve' })).toBeHidden();
  await approver.reload();
  await waitForHydration(approver);
  await expect(pending).toHaveCount(1);
  await expect(approver.locator('[data-account="visa_settlement"] [data-test="balance"]')).toHaveText('0.00 USD');
  await approveStep.locator('summary').click();
  await approveStep.getByRole('button', { name: 'Yes, approve' }).click();
  await expect(approver.locator('[data-test="action-outcome"]').first()).toContainText('posted as transaction');
  const transactionId = (await approver.locator('[data-test="action-outcome"]').first().textContent())!.match(/transaction (\d+)/)![1];
  await expect(approver.locator('[data-account="visa_settlement"] [data-test="balance"]')).toHaveText('125.50 USD');
  await expect(approver.locator('[data-account="global_finance_resettlement"] [data-test="balance"]')).toHaveText('-125.50 USD');
  await expect(approver.locator('[data-test="journal"]')).toContainText('Chargeback resettlement to the Visa settlement account');
  await approver.getByRole('link', { name: 'visa_settlement', exact: true }).click();
  await expect(approver.getByRole('heading', { level: 1, name: 'Account statement' })).toBeVisible();
  await expect(approver.locator('[data-test="statement-balance"]')).toHaveText('125.50 USD');
  await expect(approver.locator('[data-test="statement"] tbody tr').first()).toContainText('125.50 USD');

  // A correction is a reversing transaction, through maker-checker too.
  await associate.goto('/ledger');
  await waitForHydration(associate);
  const reverseStep = associate.locator(`[data-test="journal"] tr[data-transaction="${transactionId}"]`).first().locator('[data-test="reverse"]');
  await reverseStep.locator('summary', { hasText: 'Reverse' }).click();
  await expect(reverseStep).toContainText(`Start the reversal of transaction ${transactionId}`);
  await reverseStep.getByRole('button', { name: 'Yes, start the reversal' }).click();
  await expect(associate.locator('[data-test="action-outcome"]').first()).toContainText('Reversal');
  // The lists are read again at once: the reversal waits in the pending list without a reload.
  await expect(associate.locator('[data-test="pending-action"]').filter({ hasText: `reverse transaction ${transactionId}` })).toHaveCount(1);
  await approver.goto('/ledger');
  await waitForHydration(approver);
  const reversal = approver.locator('[data-test="pending-action"]').filter({ hasText: `reverse transaction ${transactionId}` });
  await reversal.locator('[data-test="approve"] summary').click();
  await expect(reversal.locator('[data-test="approve"]')).toContainText(`Approve reversing transaction ${transactionId}`);
  await reversal.getByRole('button', { name: 'Yes, approve' }).click();
  await expect(approver.locator('[data-test="action-outcome"]').first()).toContainText('posted as transaction');
  await expect(approver.locator('[data-account="visa_settlement"] [data-test="balance"]')).toHaveText('0.00 USD');

  // The money is back, so the work item is open again, and says why.
  await associate.goto(itemUrl);
  await expect(associate.locator('[data-test="work-status"]')).toHaveText('Open');
  await expect(associate.locator('[data-test="work-resolution"]')).toHaveCount(0);
  await expect(associate.locator('[data-test="item-actions"]')).toContainText(/posted \(transaction \d+\), then reversed by transaction \d+/);
  await expect(associate.locator('[data-test="notes"]')).toContainText('Reopened: the transaction that settled it was reversed');
  // A reversed transaction offers no second reversal.
  await associate.goto('/ledger');
  await expect(associate.locator(`[data-test="journal"] tr[data-transaction="${transactionId}"] [data-test="reverse"]`)).toHaveCount(0);

  // And the audit trail has the initiation, the refusal and the approval.
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, USERS.admin, `/audit?target=ledger_action:${actionId}`);
  const events = admin.locator('[data-test="audit-events"]');
  await expect(events).toContainText('Started a ledger action');
  await expect(events).toContainText('Approved a ledger action');
  await admin.goto(`/audit?action=work_item.reopen`);
  await expect(admin.locator('[data-test="audit-events"]')).toContainText('work_item:');
  await admin.goto(`/audit?actor=${USERS.associate}&action=auth.access_denied`);
  await expect(admin.locator('[data-test="audit-events"]')).toContainText('/api/ledger/approve');
});

test('an admin extends the chart of accounts, and the change is audited', async ({ page, baseURL }) => {
  await signIn(page, USERS.admin, '/admin');
  await waitForHydration(page);
  await page.getByLabel('Code', { exact: true }).fill('visa_settlement_gbp');
  await page.getByLabel('Name', { exact: true }).fill('Visa settlement GBP');
  await page.getByLabel('Currency', { exact: true }).selectOption('GBP');
  await page.getByRole('button', { name: 'Open account' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Account opened.' })).toBeVisible();
  await page.getByRole('button', { name: 'Open account' }).click();
  // Said beside the field it is about, not at the foot of the form.
  await expect(page.locator('#account-code-error')).toHaveText("An account 'visa_settlement_gbp' already exists.");
  await expect(page.locator('#account-code-error')).toBeVisible();
  await expect(page.locator('[data-test="action-outcome"]')).toHaveCount(0);

  // Each mistake names its field, with 422.
  const forged = async (form: Record<string, string>) => page.request.post('/api/admin/accounts', { form, headers: { Origin: baseURL! } });
  for (const [form, field] of [
    [{ code: 'a b', name: 'n', kind: 'asset', currency: 'USD' }, 'code'],
    [{ code: 'ok_code', name: ' ', kind: 'asset', currency: 'USD' }, 'name'],
    [{ code: 'ok_code', name: 'n', kind: 'equity', currency: 'USD' }, 'kind'],
    [{ code: 'ok_code', name: 'n', kind: 'asset', currency: 'XYZ' }, 'currency'],
  ] as const) {
    const response = await forged(form);
    expect(response.status()).toBe(422);
    expect(JSON.parse(await response.text())).toMatchObject({ InvalidField: { field } });
  }
  await page.goto(`/audit?actor=${USERS.admin}&action=admin.setting`);
  await expect(page.locator('[data-test="audit-events"]')).toContainText('visa_settlement_gbp');
});
