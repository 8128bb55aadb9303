import { expect, type Page } from '@playwright/test';

// The local identity provider's demo users (identity-provider/users.json).
export const PASSWORD = 'settledesk-demo';
export const USERS = {
  viewer: 'vera',
  associate: 'ava',
  approver: 'sam',
  admin: 'ada',
  noRole: 'nora',
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
