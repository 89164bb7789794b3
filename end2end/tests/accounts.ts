import { expect, Page, test } from "./portal-test";
import { sharedCookies } from "./shared-sessions";
import { DEMO_TWO_STEP_SECRETS } from "./two-step";

export const PASSWORD = "Demo-portal-2026";

/** The demo accounts, one per role, the navigation each is offered and what their home shows. */
export const ACCOUNTS = [
  { role: "VLSC administrator", email: "admin@contoso.example", organisation: "Contoso Ltd", nav: ["Home", "Enrollments", "Reservations", "Contact changes", "People", "Tickets", "Mailbox"], home: ["awaiting-activation", "links-expiring", "reservations-this-week", "changes-in-flight"] },
  { role: "Online administrator (OLA)", email: "ola@contoso.example", organisation: "Contoso Ltd", nav: ["Home", "Enrollments", "Reservations", "Contact changes", "Tickets"], home: ["awaiting-activation", "links-expiring", "reservations-this-week", "changes-in-flight"] },
  { role: "Online services manager (OSM)", email: "osm@contoso.example", organisation: "Contoso Ltd", nav: ["Home", "Enrollments", "Reservations", "Contact changes", "Tickets"], home: ["osm-enrollments"] },
  { role: "Partner user", email: "partner@fabrikam.example", organisation: "Fabrikam Licensing Partners", nav: ["Home", "Enrollments", "Reservations", "Contact changes", "Customers"], home: ["changes-in-flight", "ordered-not-activated"] },
  { role: "Support agent", email: "support@vl-operations.example", organisation: "Volume Licensing Operations", nav: ["Home", "Enrollments", "Reservations", "Contact changes", "Support console", "Organisations", "Mailbox"], home: ["open-tickets", "replication"] },
  { role: "Operations center (ROC) operator", email: "roc@vl-operations.example", organisation: "Volume Licensing Operations", nav: ["Home", "Enrollments", "Reservations", "Contact changes", "ROC queue", "Organisations"], home: ["roc-queue"] },
] as const;

/** Waits until the page can react to clicks (hydrated, or plain HTML without JS). */
export async function ready(page: Page) {
  await page.waitForLoadState("load");
  if (test.info().project.use.javaScriptEnabled !== false) {
    await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  }
}

/**
 * Signs in through the sign-in page. The demo accounts that need two-step
 * sign-in use the session the global set-up opened for them instead (a code
 * works once, and journeys run side by side).
 */
export async function signIn(page: Page, email: string, password = PASSWORD) {
  if (password === PASSWORD && email in DEMO_TWO_STEP_SECRETS) {
    await page.context().addCookies(sharedCookies(email));
    await page.goto("/");
    return;
  }
  await page.goto("/sign-in");
  await ready(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  if (password === PASSWORD) {
    // Hydrated, sign-in is a fetch: wait for it to land before going elsewhere.
    await expect(page).not.toHaveURL(/\/sign-in/);
  }
}

export async function expectSignedInAs(page: Page, email: string) {
  await expect(page.getByTestId("who-email")).toHaveText(email);
}
