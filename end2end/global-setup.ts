import { chromium, FullConfig } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PASSWORD_FOR_SETUP, sessionFile } from "./tests/shared-sessions";
import { codeFor, DEMO_TWO_STEP_SECRETS } from "./tests/two-step";

/**
 * Signs each demo account that needs two-step sign-in in once, with a code
 * computed from its secret, and keeps the session for the journeys: a code
 * works only once, so journeys running side by side share these sessions
 * rather than each typing a code. The two-step journeys sign in themselves.
 */
export default async function globalSetup(config: FullConfig) {
  const use = config.projects[0].use;
  const baseURL = use.baseURL ?? process.env.BASE_URL ?? "http://127.0.0.1:3000";
  const browser = await chromium.launch(use.launchOptions);
  mkdirSync(dirname(sessionFile(Object.keys(DEMO_TWO_STEP_SECRETS)[0])), { recursive: true });
  for (const [email, secret] of Object.entries(DEMO_TWO_STEP_SECRETS)) {
    const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD_FOR_SETUP);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/sign-in\/code/);
    await page.getByLabel("Code").fill(codeFor(secret));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await context.storageState({ path: sessionFile(email) });
    await context.close();
  }
  await browser.close();
}
