import { htmlToText } from './html-text.js';

/** Longest page text still taken for a login page (a log page that merely mentions it is longer). */
const LOGIN_PAGE_MAX_TEXT = 2000;

/**
 * True for a firmware 10.x "Login failed!" page: those phones answer a wrong password with 200
 * and this page instead of a 401 (symcon/Snom `SnomDeskphone/module.php` checks the same text,
 * and warns that the phone then refuses logins for about a minute). Only short pages count, so a
 * long log page that quotes the phrase is not mistaken for one.
 */
export function isLoginFailedPage(page: string): boolean {
  if (!page.includes('Login failed')) return false;
  const text = htmlToText(page).replace(/\s+/g, ' ').trim();
  return text.length <= LOGIN_PAGE_MAX_TEXT && /\bLogin failed!?/.test(text);
}
