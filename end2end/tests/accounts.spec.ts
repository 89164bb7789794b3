import { Browser, expect, Page, test } from "./portal-test";
import { expectSignedInAs, ready, signIn } from "./accounts";
import { codeFor, stepAt } from "./two-step";

const NEW_PASSWORD = "plum orchard by the quiet river";

/** An address no other journey uses. */
function freshEmail(kind: string, domain = "contoso.example"): string {
  const project = test.info().project.name === "hydrated" ? "js" : "nojs";
  return `${kind}-${project}-${Date.now()}@${domain}`;
}

/** The link of the newest demo-mailbox message with `subject` to `to`. */
async function linkInMailbox(page: Page, to: string, subject: string): Promise<string> {
  const message = page.locator("article").filter({ hasText: `To ${to}` }).filter({ hasText: subject });
  await expect(async () => {
    await page.goto(`/mailbox?q=${encodeURIComponent(to)}`);
    await expect(message).not.toHaveCount(0, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  const link = await message.first().getByRole("link").getAttribute("href");
  expect(link).toBeTruthy();
  return link!;
}

/** Invites `email` from the invitations form at `path`, as `inviter`; returns the emailed link. */
async function invite(page: Page, inviter: string, path: string, email: string, role: string): Promise<string> {
  await signIn(page, inviter);
  await page.goto(path);
  await ready(page);
  const form = page.locator("form", { has: page.getByRole("option", { name: role }) });
  await form.getByLabel("Name").fill("Ines Invited");
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Role").selectOption({ label: role });
  await form.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByTestId("invitation").filter({ hasText: email })).toHaveCount(1);
  const link = await linkInMailbox(page, email, "You are invited to the Volume Licensing portal");
  // The inviter's session is shared with other journeys: leave it signed in.
  await page.context().clearCookies();
  return link;
}

async function choosePassword(page: Page, link: string, password = NEW_PASSWORD) {
  await page.goto(link);
  await ready(page);
  await page.getByLabel("Choose your password").fill(password);
  await page.getByRole("button", { name: "Create my account" }).click();
}

async function signInWithPassword(page: Page, email: string, password: string) {
  await page.goto("/sign-in");
  await ready(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function newBrowser(browser: Browser) {
  const use = test.info().project.use;
  return browser.newContext({ baseURL: use.baseURL, javaScriptEnabled: use.javaScriptEnabled });
}

test("an invited OLA chooses a password and reserves", async ({ page }) => {
  const email = freshEmail("ola");
  const link = await invite(page, "admin@contoso.example", "/people", email, "Online administrator (OLA)");
  await choosePassword(page, link, "password");
  await expect(page.locator("#password-error")).toContainText("at least 12 characters");
  await choosePassword(page, link);
  await expect(page).toHaveURL(/\/$/);
  await expectSignedInAs(page, email);

  const quantity = test.info().project.name === "hydrated" ? 31 : 37;
  await page.goto("/enrollments/10000004");
  await ready(page);
  const reservations = page.locator("#reservations");
  await reservations.getByLabel("Product").selectOption({ label: "Exchange Online Plan 1" });
  await reservations.getByLabel("Quantity").fill(String(quantity));
  const start = new Date(Date.now() + 25 * 86_400_000).toISOString().slice(0, 10);
  await reservations.getByLabel("Usage start date").fill(start);
  await reservations.getByRole("button", { name: "Reserve" }).click();
  await expect(reservations.locator("tr", { hasText: `Exchange Online Plan 1 × ${quantity}` })).toContainText("placed");

  // The link worked once.
  await page.context().clearCookies();
  await page.goto(link);
  await expect(page.getByRole("alert")).toContainText("does not work");
});

test("a forgotten password is reset through an emailed link", async ({ page }) => {
  const email = freshEmail("forgetful");
  await choosePassword(page, await invite(page, "admin@contoso.example", "/people", email, "Online services manager (OSM)"));
  await expectSignedInAs(page, email);
  await page.context().clearCookies();

  await page.goto("/sign-in");
  await ready(page);
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await ready(page);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send me a link" }).click();
  await expect(page.getByTestId("reset-sent")).toContainText("If an account uses that address");

  await signIn(page, "admin@contoso.example");
  const link = await linkInMailbox(page, email, "Reset your Volume Licensing portal password");
  await page.context().clearCookies();
  await page.goto(link);
  await ready(page);
  await page.getByLabel("New password").fill("a brand new long password");
  await page.getByRole("button", { name: "Save my new password" }).click();
  await expect(page).toHaveURL(/\/sign-in\?reset=1/);
  await expect(page.getByRole("status")).toContainText("Your password is changed");
  await signInWithPassword(page, email, "a brand new long password");
  await expectSignedInAs(page, email);
});

test("a support agent sets up two-step sign-in, then signs in with a code and with a recovery code", async ({ page }) => {
  test.setTimeout(60_000);
  const email = freshEmail("agent", "vl-operations.example");
  const link = await invite(page, "support@vl-operations.example", "/organisations", email, "Support agent");
  await choosePassword(page, link);
  // The role requires a second step: set it up before anything else.
  await expect(page).toHaveURL(/\/two-step$/);
  await expect(page.locator(".qr svg")).toBeVisible();
  const secret = (await page.getByTestId("two-step-secret").textContent())!.replace(/\s/g, "");
  await page.getByLabel("Code from the app").fill("000000");
  await page.getByRole("button", { name: "Turn on two-step sign-in" }).click();
  await expect(page.locator("#code-error")).toContainText("not right");
  const enrolStep = stepAt();
  await page.getByLabel("Code from the app").fill(codeFor(secret, enrolStep));
  await page.getByRole("button", { name: "Turn on two-step sign-in" }).click();
  await expect(page).toHaveURL(/\/two-step\/recovery-codes/);
  const codes = await page.getByTestId("recovery-codes").locator("code").allTextContents();
  expect(codes).toHaveLength(10);
  await page.getByRole("link", { name: "Continue to the portal" }).click();
  await expectSignedInAs(page, email);
  await ready(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);

  // With a code from the app: the set-up used this step's, so the next one.
  await signInWithPassword(page, email, NEW_PASSWORD);
  await expect(page).toHaveURL(/\/sign-in\/code/);
  await ready(page);
  await page.getByLabel("Code").fill(codeFor(secret, enrolStep + 1));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expectSignedInAs(page, email);
  await ready(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);

  // Without the phone: a recovery code, once.
  await signInWithPassword(page, email, NEW_PASSWORD);
  await expect(page).toHaveURL(/\/sign-in\/code/);
  await ready(page);
  await page.getByLabel("Code").fill(codes[0]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expectSignedInAs(page, email);
});

test("a lost session is signed out from another browser", async ({ page, browser }) => {
  const email = freshEmail("traveller");
  await choosePassword(page, await invite(page, "admin@contoso.example", "/people", email, "Online administrator (OLA)"));
  await expectSignedInAs(page, email);

  const lost = await newBrowser(browser);
  const laptop = await lost.newPage();
  await signInWithPassword(laptop, email, NEW_PASSWORD);
  await expectSignedInAs(laptop, email);

  await page.goto("/account");
  await ready(page);
  const rows = page.getByTestId("session");
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: "This session" })).toHaveCount(1);
  await rows.getByRole("button", { name: /Sign out the session/ }).click();
  await expect(page.getByTestId("session")).toHaveCount(1);

  await laptop.goto("/");
  await expect(laptop).toHaveURL(/\/sign-in\?next=/);
  await lost.close();
  await page.goto("/");
  await expectSignedInAs(page, email);
});
