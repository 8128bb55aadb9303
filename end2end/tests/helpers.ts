import { execFileSync } from 'node:child_process';
import { expect, type Page } from '@playwright/test';

// The local identity provider's demo users (identity-provider/users.json).
export const PASSWORD = 'settledesk-demo';
export const USERS = {
  viewer: 'vera',
  associate: 'ava',
  otherAssociate: 'aaron',
  approver: 'sam',
  admin: 'ada',
  // A counterparty's bank details are proposed by one admin and approved by another.
  otherAdmin: 'abe',
  noRole: 'nora',
  // Display choices are kept with the person: the tests that save them use people of their own,
  // so that nobody else's pages change language or time zone under them.
  choosesZone: 'victor',
  choosesLanguage: 'lin',
} as const;

/** Fills in the identity provider's own sign-in page. */
export async function submitProviderLogin(page: Page, username: string, password = PASSWORD) {
  await expect(page.getByRole('heading', { name: 'Sign in to continue to SettleDesk' })).toBeVisible();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Opens `path` (or `baseURL` + path), which sends a stranger to sign in, and signs in as `username`. */
export async function signIn(page: Page, username: string, path = '/') {
  await page.goto(path);
  await submitProviderLogin(page, username);
  await expect(page.locator('[data-test="user-name"]')).toBeVisible();
}

export async function waitForHydration(page: Page) {
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'true');
}

/** Whether `text` holds a run of 12 to 19 digits that passes the Luhn check: a card number. */
export function holdsCardNumber(text: string): boolean {
  for (const run of text.match(/\d{12,}/g) ?? []) {
    if (run.length > 19) continue;
    let sum = 0;
    for (let i = 0; i < run.length; i++) {
      let d = Number(run[run.length - 1 - i]);
      if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    if (sum % 10 === 0) return true;
  }
  return false;
}

/** Runs one statement against the portal's database (./test exports the owner's DATABASE_URL). */
export function sql(statement: string): string {
  return execFileSync('psql', [process.env.DATABASE_URL ?? '', '-tAqc', statement], { encoding: 'utf8' }).trim();
}

/** Latin words allowed in Chinese pages outside data: names of products and standards. */
const ALLOWED = ['SettleDesk', 'SD', 'UTC', 'MiB', 'Zelle', 'Visa', 'CSV', 'SLA', 'FX', 'ID', 'IANA', 'YYYY', 'MM', 'DD'];

/** Text outside `translate="no"` that still has English words in it (also in labels and titles). */
export async function englishLeft(page: Page): Promise<string[]> {
  return page.evaluate((allowed) => {
    const found = new Set<string>();
    const check = (text: string | null, where: string) => {
      for (const word of (text ?? '').match(/[A-Za-z]{2,}/g) ?? []) {
        if (!allowed.includes(word)) found.add(`"${word}" in ${where}: ${(text ?? '').trim().slice(0, 80)}`);
      }
    };
    const skipped = (el: Element | null) => !el || !!el.closest('[translate="no"], script, style, template, noscript');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!skipped(node.parentElement)) check(node.textContent, node.parentElement!.tagName.toLowerCase());
    }
    for (const el of Array.from(document.querySelectorAll('[aria-label], [title], [placeholder], [alt]'))) {
      if (skipped(el)) continue;
      for (const attr of ['aria-label', 'title', 'placeholder', 'alt']) {
        if (el.hasAttribute(attr)) check(el.getAttribute(attr), `${el.tagName.toLowerCase()}[${attr}]`);
      }
    }
    for (const el of Array.from(document.querySelectorAll('input[type="submit"], input[type="button"]'))) {
      if (!skipped(el)) check((el as HTMLInputElement).value, 'button');
    }
    check(document.title, 'title');
    return Array.from(found);
  }, ALLOWED);
}

export async function widerThanScreen(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

