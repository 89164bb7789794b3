import { Browser, expect, Page, test as base } from "@playwright/test";

/**
 * Playwright's `test`, failing any journey in which the browser reports a
 * Content-Security-Policy violation or an uncaught script error: the policy
 * is proven with the real app, hydrated as well as without JavaScript.
 */
export const test = base.extend<{ policyWatch: void }>({
  policyWatch: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on("console", (message) => {
        const text = message.text();
        if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(text)) {
          problems.push(`console: ${text}`);
        }
      });
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      await use();
      expect(problems, "no policy violation and no script error").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
export type { Browser, Page };
