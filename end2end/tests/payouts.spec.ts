import { test, expect, type Browser, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { englishLeft, signIn, sql, USERS, waitForHydration, widerThanScreen } from './helpers';

// Money that leaves the bank: an admin proposes a counterparty and another approves it; an
// associate pays a resettlement out to it, an approver approves; the instruction (pain.001) is
// written to the outbound area; the hub's status reports (pain.002, written by pyiso20022, not by
// us) settle one payout and reject another.

const objects = process.env.SETTLEDESK_LOCAL_STORAGE_DIR ?? '';
const scripts = path.resolve(__dirname, '../../scripts/iso20022');

/** What `serve` does every 30 seconds, once, now: send what is queued, take in what the hub said. */
function payoutsRun() {
  execFileSync(process.env.SERVER_BIN ?? '', ['payouts', 'run'], {
    env: { ...process.env, DATABASE_URL: process.env.SERVER_DATABASE_URL },
    encoding: 'utf8',
  });
}

/** The outbound message that carries `endToEndId`, if one was written. */
function outboundWith(endToEndId: string): string | undefined {
  const root = path.join(objects, 'outbound', 'pain001');
  if (!fs.existsSync(root)) return undefined;
  for (const day of fs.readdirSync(root)) {
    for (const name of fs.readdirSync(path.join(root, day))) {
      const file = path.join(root, day, name);
      if (fs.readFileSync(file, 'utf8').includes(`<EndToEndId>${endToEndId}</EndToEndId>`)) return file;
    }
  }
  return undefined;
}

/** The hub's status report (or the bank's statement), written by pyiso20022 from `spec`, put in
 * the inbound area. */
function hubSays(name: string, spec: object) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-'));
  const [input, output] = [path.join(dir, 'spec.json'), path.join(dir, 'report.xml')];
  fs.writeFileSync(input, JSON.stringify({ message: 'pain.002.001.10', created: '2026-12-04T15:00:00', ...spec }));
  execFileSync('python3', [path.join(scripts, 'samples.py'), input, output]);
  // Whole or not at all: staged under a hidden name (no inbound file), then renamed.
  const target = path.join(objects, 'inbound', 'pain002', name);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staged = path.join(path.dirname(target), `.${path.basename(target)}.part`);
  fs.copyFileSync(output, staged);
  fs.renameSync(staged, target);
}

function balance(code: string): number {
  return Number(sql(`SELECT balance_minor FROM ledger_account WHERE code = '${code}'`));
}

/** Two open USD chargeback items nobody else's test takes (the ledger spec takes the first). */
function items(): [string, string] {
  const ids = sql(`SELECT w.id FROM work_item w WHERE w.reason = 'chargeback' AND w.status = 'open'
      AND w.currency = 'USD' AND w.business_date = '2026-11-20'
      AND NOT EXISTS (SELECT 1 FROM ledger_action a WHERE a.work_item_id = w.id)
    ORDER BY w.id DESC LIMIT 2`).split('\n');
  return [ids[0], ids[1]];
}

async function newPage(browser: Browser, user: string, where: string, javaScriptEnabled = true): Promise<Page> {
  const page = await (await browser.newContext({ javaScriptEnabled })).newPage();
  await signIn(page, user, where);
  return page;
}

/** ava starts a payout of `item` to Mastercard; sam approves it. Returns the action's id. */
async function payOut(associate: Page, approver: Page, item: string, words: string): Promise<string> {
  await associate.goto(`/ledger?work_item=${item}`);
  await waitForHydration(associate);
  await associate.getByLabel('From account').selectOption('zelle_clearing');
  await associate.getByLabel('To account').selectOption('mastercard_settlement');
  await associate.getByLabel('Pay out to (optional)').selectOption('MASTERCARD_SETTLEMENT');
  await associate.getByLabel('What it is for').fill(words);
  await associate.getByRole('button', { name: 'Initiate' }).click();
  await expect(associate.locator('[data-test="action-outcome"]').first()).toContainText('waiting for an approver');
  const row = associate.locator('[data-test="pending-action"]').filter({ hasText: words });
  await expect(row).toContainText('MASTERCARD_SETTLEMENT (out of the bank), then mastercard_settlement');
  const id = (await row.getAttribute('data-action'))!;

  await approver.goto('/ledger');
  await waitForHydration(approver);
  const approve = approver.locator(`[data-test="pending-action"][data-action="${id}"] [data-test="approve"]`);
  await approve.locator('summary').click();
  await expect(approve).toContainText('out of zelle_clearing to MASTERCARD_SETTLEMENT? The money leaves the bank.');
  await approve.getByRole('button', { name: 'Yes, approve' }).click();
  await expect(approver.locator('[data-test="action-outcome"]').first()).toContainText('posted as transaction');
  return id;
}

/** Sends the queued instructions and returns the message that carries action `id`'s payment. */
async function sent(id: string): Promise<{ file: string; messageId: string }> {
  // The portal's own job may be writing it this moment: look again until it is there.
  await expect.poll(() => { payoutsRun(); return outboundWith(`SD-A-${id}`) ?? ''; }).not.toBe('');
  const file = outboundWith(`SD-A-${id}`)!;
  // ISO's own schema accepts it (lxml, an independent validator).
  execFileSync('python3', [path.join(scripts, 'validate.py'), 'pain.001.001.09', file]);
  const messageId = fs.readFileSync(file, 'utf8').match(/<MsgId>([^<]+)<\/MsgId>/)![1];
  return { file, messageId };
}

test('a resettlement is paid out to an approved counterparty, settled by the hub, or rejected and reopened', async ({ browser }) => {
  test.setTimeout(240_000); // two admins, two payouts, two reports, a statement, ten axe scans
  // Without JavaScript, an admin proposes Mastercard's settlement account; a wrong routing number
  // is refused beside its field first, with a 4xx.
  const ada = await newPage(browser, USERS.admin, '/admin', false);
  await ada.getByLabel('Counterparty code').fill('MASTERCARD_SETTLEMENT');
  await ada.getByLabel('Account holder').fill('Mastercard International settlement');
  await ada.getByLabel('IBAN or account number').fill('5000000017');
  await ada.getByLabel(/^ABA routing number/).fill('123456789');
  await ada.getByLabel('Currency it is paid in').selectOption('USD');
  await ada.getByLabel('Why').fill('Mastercard chargeback resettlements are paid here');
  // Without JavaScript the form posts, and the page it comes back to answers 422 with the refusal.
  const refused = ada.waitForResponse((r) => new URL(r.url()).pathname === '/admin' && r.request().method() === 'GET');
  await ada.getByRole('button', { name: 'Propose' }).click();
  expect((await refused).status()).toBe(422);
  await expect(ada.locator('#counterparty-aba-error')).toContainText('not an ABA routing number');
  await ada.getByLabel('Counterparty code').fill('MASTERCARD_SETTLEMENT');
  await ada.getByLabel('Account holder').fill('Mastercard International settlement');
  await ada.getByLabel('IBAN or account number').fill('5000000017');
  await ada.getByLabel('Currency it is paid in').selectOption('USD');
  await ada.getByLabel('Why').fill('Mastercard chargeback resettlements are paid here');
  await ada.getByLabel(/^ABA routing number/).fill('011000015');
  await ada.getByRole('button', { name: 'Propose' }).click();
  const row = ada.locator('[data-test="counterparties"] tr[data-counterparty="MASTERCARD_SETTLEMENT"]');
  await expect(row.locator('[data-test="pending-change"]')).toContainText('5000000017');
  // Its proposer cannot approve it: no button, and a forged request is refused.
  await expect(row.locator('[data-test="own-proposal"]')).toBeVisible();
  await expect(row.getByRole('button', { name: 'Yes, approve' })).toHaveCount(0);
  const version = sql(`SELECT max(v.id) FROM counterparty_version v JOIN counterparty c ON c.id = v.counterparty_id
    WHERE c.code = 'MASTERCARD_SETTLEMENT'`);
  const forged = await ada.request.post('/api/admin/counterparties/decide', {
    headers: { Origin: new URL(ada.url()).origin, Accept: 'application/json' },
    form: { id: version, decision: 'approve' },
  });
  expect(forged.status()).toBe(422);
  // Another admin approves it, seeing what they approve.
  const abe = await newPage(browser, USERS.otherAdmin, '/admin');
  await waitForHydration(abe);
  const pending = abe.locator('[data-test="counterparties"] tr[data-counterparty="MASTERCARD_SETTLEMENT"]');
  await expect(pending.locator('[data-test="pending-change"]')).toContainText('Mastercard International settlement');
  await pending.locator('[data-test="approve-change"] summary').click();
  await pending.getByRole('button', { name: 'Yes, approve' }).click();
  await expect(abe.getByRole('status').filter({ hasText: 'Change approved' })).toBeVisible();
  await expect(pending).toContainText('approved by abe');

  // An associate pays a chargeback out; an approver approves: it posts to payments in transit.
  const [settledItem, rejectedItem] = items();
  const associate = await newPage(browser, USERS.associate, '/ledger');
  const approver = await newPage(browser, USERS.approver, '/ledger');
  const inTransit = balance('payments_in_transit');
  const [clearing, mastercard] = [balance('zelle_clearing'), balance('mastercard_settlement')];
  const first = await payOut(associate, approver, settledItem, 'Chargeback paid out to Mastercard (settles)');
  const amount = balance('payments_in_transit') - inTransit;
  expect(amount).toBeGreaterThan(0);
  expect(balance('zelle_clearing')).toBe(clearing - amount);

  // The instruction is in the outbound area; the hub settles it.
  const message = await sent(first);
  hubSays('HUB-STS-E2E-1.xml', {
    msg_id: 'HUB-STS-E2E-1', original_msg_id: message.messageId,
    payments: [{ original_pmt_inf_id: `${message.messageId}-1`, transactions: [{ end_to_end_id: `SD-A-${first}`, status: 'ACSC' }] }],
  });
  payoutsRun();
  expect(balance('payments_in_transit')).toBe(inTransit);
  expect(balance('mastercard_settlement')).toBe(mastercard + amount);
  await approver.goto('/ledger');
  await expect(approver.locator(`[data-test="decided"] li[data-action="${first}"] [data-test="payment-status"]`))
    .toHaveText(`payment SD-A-${first}: settled`);
  await associate.goto(`/exceptions/${settledItem}`);
  await expect(associate.locator('[data-test="item-actions"] [data-test="payment-status"]')).toHaveAttribute('data-status', 'settled');
  await expect(associate.locator('[data-test="work-status"]')).toHaveText('Resolved');

  // A second payout is rejected by the hub: the money comes back and the item is open again.
  const second = await payOut(associate, approver, rejectedItem, 'Chargeback paid out to Mastercard (rejected)');
  const rejectedMessage = await sent(second);
  hubSays('HUB-STS-E2E-2.xml', {
    msg_id: 'HUB-STS-E2E-2', original_msg_id: rejectedMessage.messageId,
    payments: [{ original_pmt_inf_id: `${rejectedMessage.messageId}-1`, transactions: [
      { end_to_end_id: `SD-A-${second}`, status: 'RJCT', reason: 'AC04', info: 'Account closed' },
    ] }],
  });
  payoutsRun();
  expect(balance('payments_in_transit')).toBe(inTransit);
  expect(balance('zelle_clearing')).toBe(clearing - amount);
  await associate.goto(`/exceptions/${rejectedItem}`);
  await expect(associate.locator('[data-test="work-status"]')).toHaveText('Open');
  await expect(associate.locator('[data-test="item-actions"] [data-test="payment-status"]'))
    .toContainText(`payment SD-A-${second}: rejected by the payment hub (AC04: Account closed)`);
  await expect(associate.locator('[data-test="notes"]')).toContainText('was rejected by the payment hub (AC04: Account closed)');


  // The bank's statement of the in-transit account: the settled payout booked as it was, and an
  // entry nobody can explain. An admin says which ledger account the statement's account is.
  await ada.goto('/admin');
  await ada.getByLabel("The bank's account number").fill('000123456789');
  await ada.getByLabel('Ledger account', { exact: true }).selectOption('payments_in_transit');
  await ada.getByRole('button', { name: 'Save', exact: true }).last().click();
  await expect(ada.locator('[data-test="statement-accounts"]')).toContainText('000123456789');
  const today = sql(`SELECT t.effective_date FROM payment_instruction i JOIN ledger_transaction t
    ON t.id = i.final_transaction WHERE i.end_to_end_id = 'SD-A-${first}'`);
  const money = (minor: number) => (minor / 100).toFixed(2);
  hubSays('../camt053/STMT-E2E-1.xml', {
    message: 'camt.053.001.08', msg_id: 'STMT-E2E-1', created: `${today}T23:30:00`,
    statements: [{
      id: 'STMT-E2E-1-TRANSIT', account: { other: '000123456789' }, currency: 'USD',
      opening: { amount: '0', sign: 'CRDT', date: today },
      closing: { amount: money(amount + 500), sign: 'DBIT', date: today },
      entries: [
        { ref: 'E1', amount: money(amount), sign: 'DBIT', booked: today, end_to_end_id: `SD-A-${first}` },
        { ref: 'E2', amount: '5.00', sign: 'DBIT', booked: today, info: 'Unknown debit' },
      ],
    }],
  });
  payoutsRun();
  // Each break is in the queue, of its own class, with the statement beside the ledger.
  await associate.goto('/exceptions?reason=entry_unmatched');
  const breakRow = associate.locator('[data-test="work-item"]').first();
  await expect(breakRow).toContainText('Statement entry without a payout');
  await breakRow.locator('a').first().click();
  await expect(associate.locator('[data-test="statement-break"]')).toContainText('payments_in_transit');
  await expect(associate.locator('[data-test="bank-closing"]')).toHaveText(`-${Number(money(amount + 500)).toLocaleString('en-US', { minimumFractionDigits: 2 })} USD`);
  await expect(associate.locator('[data-test="ledger-closing"]')).toHaveText('0.00 USD');
  await expect(associate.locator('[data-test="notes"]')).toContainText('names no payout');
  // The dashboard shows the ledger against the statement.
  await associate.goto('/');
  const line = associate.locator('[data-test="statements"] tr[data-account="payments_in_transit"]');
  await expect(line.locator('[data-test="ledger-balance"]')).toHaveText('0.00 USD');
  await expect(line.locator('[data-test="statement-breaks"]')).toContainText('Open breaks: 2');

  // In Chinese, at both widths, these pages say everything in words, fit the screen and pass axe:
  // the rejected payout's item, the break's item, the ledger with its payouts, the dashboard, and
  // the admin page with its counterparty and statement accounts.
  const breakItem = sql(`SELECT id FROM work_item WHERE reason = 'entry_unmatched' ORDER BY id DESC LIMIT 1`);
  const zh = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
  await signIn(zh, USERS.approver, `/exceptions/${rejectedItem}`);
  await expect(zh.locator('[data-test="item-actions"] [data-test="payment-status"]')).toContainText('被支付枢纽拒绝');
  const zhAdmin = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
  await signIn(zhAdmin, USERS.otherAdmin, '/admin');
  const violations: string[] = [];
  for (const [page, where] of [
    [zh, `/exceptions/${rejectedItem}`], [zh, `/exceptions/${breakItem}`], [zh, '/ledger'], [zh, '/'], [zhAdmin, '/admin'],
  ] as const) {
    await page.goto(where);
    await waitForHydration(page);
    expect(await englishLeft(page), `English left on ${where}`).toEqual([]);
    for (const width of [1366, 390]) {
      await page.setViewportSize({ width, height: width > 600 ? 900 : 844 });
      expect(await widerThanScreen(page), `${where} at ${width} px`).toBeLessThanOrEqual(0);
      const results = await new AxeBuilder({ page }).analyze();
      violations.push(...results.violations.map((v) => `${where} ${width}px: ${v.id}: ${v.help}`));
    }
  }
  expect(violations).toEqual([]);

  // The trail: the counterparty's proposal and approval, the message sent, the report applied.
  const audit = await newPage(browser, USERS.admin, '/audit?target=counterparty:MASTERCARD_SETTLEMENT');
  await expect(audit.locator('[data-test="audit-events"]')).toContainText('Approved a counterparty change');
  await audit.goto('/audit?action=hub.file_applied');
  await expect(audit.locator('[data-test="audit-events"]')).toContainText('hub_file:');
});
