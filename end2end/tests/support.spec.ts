import { expect, Page, test } from "./portal-test";
import { ready, signIn } from "./accounts";

// Each project (hydrated, no JavaScript) works on its own demo enrollments.
const hydrated = () => test.info().project.name === "hydrated";
const pick = (js: string, noJs: string) => (hydrated() ? js : noJs);

/** An enrollment's page as a support agent sees it, with the actions that apply. */
async function openEnrollment(page: Page, number: string) {
  await signIn(page, "support@vl-operations.example");
  await page.goto(`/enrollments/${number}`);
  await ready(page);
}

/** The newest demo-mailbox message for an enrollment sent to `to`, once the worker has delivered it. */
async function newestMessage(page: Page, number: string, to: string) {
  const articles = page.locator("article", { hasText: `Enrollment: ${number}` }).filter({ hasText: to });
  await expect(async () => {
    await page.goto(`/mailbox?q=${number}`);
    await expect(articles).not.toHaveCount(0, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  return articles.first();
}

async function activateWith(page: Page, link: string, number: string, domain: string) {
  await page.goto(link);
  await ready(page);
  await page.getByLabel("Account domain").fill(domain);
  await page.getByLabel("Administrator email").fill(`admin@${domain}`);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("confirm-text")).toContainText(`You are about to attach enrollment ${number}`);
  await ready(page);
  await page.getByRole("button", { name: "Attach to this account" }).click();
  await expect(page.getByTestId("activation-done")).toContainText(domain);
}

test("support corrects an OSM typo with a retrigger and the new email's link works", async ({ page }) => {
  const number = pick("10000013", "10000014");
  const corrected = "sam.services@contoso.example";
  await openEnrollment(page, number);
  const form = page.locator("#correct-osm");
  await form.getByLabel("New email").fill(corrected);
  await form.getByLabel("Reason").selectOption({ label: "Typo or data-entry correction" });
  await form.getByLabel("Send the activation email again once changed").check();
  await form.getByLabel("Asked by").fill("Ana Admin, by phone");
  await form.getByRole("button", { name: "Correct the OSM" }).click();

  await expect(page).toHaveURL(/\/support\/tickets\/\d+$/);
  await expect(page.getByTestId("ticket-status")).toHaveText("done");
  await expect(page.getByTestId("ticket-outcome")).toContainText(`Activation email queued to ${corrected}`);

  const message = await newestMessage(page, number, corrected);
  const link = await message.getByRole("link").getAttribute("href");
  await activateWith(page, link!, number, pick("typo-js.onmicrosoft.example", "typo-nojs.onmicrosoft.example"));
});

test("a replacement by an address of another domain is refused with the guidance", async ({ page }) => {
  await openEnrollment(page, pick("10000013", "10000014"));
  const form = page.locator("#correct-osm");
  await form.getByLabel("New email").fill("someone@fabrikam.example");
  await form.getByLabel("Reason").selectOption({ label: "Replacement by another person" });
  await form.getByLabel("Asked by").fill("Ana Admin");
  await form.getByRole("button", { name: "Correct the OSM" }).click();
  await expect(page.locator("#new_email-error")).toContainText("only within its email domain");
  await expect(page.locator("#new_email-error")).toContainText("Contract Information Change Request");
});

test("support reactivates an expired link and the new link activates", async ({ page }) => {
  const number = pick("10000015", "10000016");
  await openEnrollment(page, number);
  const form = page.locator("#reactivate");
  await expect(form).toContainText("Sends osm@contoso.example a new link");
  await form.getByLabel("Asked by").fill("Ana Admin, by email");
  await form.getByRole("button", { name: "Reactivate" }).click();
  await expect(page).toHaveURL(/\/support\/tickets\/\d+$/);
  await expect(page.getByTestId("ticket-outcome")).toContainText("New activation link sent");

  // The newest message carries the new link; the first (expired) one stays dead.
  await expect(async () => {
    await page.goto(`/mailbox?q=${number}`);
    await expect(page.locator("article", { hasText: `Enrollment: ${number}` })).toHaveCount(2, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  const links = page.locator("article", { hasText: `Enrollment: ${number}` }).getByRole("link");
  const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute("href")!));
  const oldLink = hrefs[hrefs.length - 1];
  const newLink = hrefs[0];
  expect(newLink).not.toEqual(oldLink);
  await page.goto(oldLink);
  await expect(page.getByRole("heading", { name: "We do not recognise this activation link" })).toBeVisible();
  await expect(page.getByLabel("Account domain")).toHaveCount(0);
  await activateWith(page, newLink, number, pick("reactivated-js.onmicrosoft.example", "reactivated-nojs.onmicrosoft.example"));
});

test("support remaps an enrollment to the correct account after naming both", async ({ page }) => {
  const number = pick("10000017", "10000018");
  await openEnrollment(page, number);
  const form = page.locator("#remap");
  await form.getByLabel("Correct account's domain").fill("contoso.onmicrosoft.example");
  await form.getByRole("button", { name: "Review the remap" }).click();
  await expect(page.getByTestId("remap-preview")).toContainText("from the online account contoso-it.onmicrosoft.example");
  await expect(page.getByTestId("remap-preview")).toContainText("to contoso.onmicrosoft.example");
  await ready(page);
  await page.getByLabel("Asked by").fill("Ana Admin");
  await page.getByRole("button", { name: "Confirm the remap" }).click();
  await expect(page).toHaveURL(/\/support\/tickets\/\d+$/);
  await expect(page.getByTestId("ticket-outcome")).toContainText("moved from contoso-it.onmicrosoft.example to contoso.onmicrosoft.example");
  await page.goto(`/enrollments/${number}`);
  await expect(page.getByTestId("online-account")).toContainText("contoso.onmicrosoft.example");
});

test("support sees on an enrollment which actions apply, and why the others do not", async ({ page }) => {
  await openEnrollment(page, "10000007");
  const resend = page.locator("#support #resend");
  await expect(resend).toContainText("No activation email has been sent for this enrollment yet");
  await expect(resend.getByRole("button", { name: "Resend" })).toBeDisabled();
  await expect(page.locator("#support #reactivate").getByRole("button", { name: "Reactivate" })).toBeDisabled();
  const remap = page.locator("#support #remap");
  await expect(remap).toContainText("not associated with an online account yet");
  await expect(remap.getByRole("button", { name: "Review the remap" })).toBeDisabled();
  const correct = page.locator("#support #correct-osm");
  await expect(correct).toContainText("Changes the address of");
  await expect(correct.getByRole("button", { name: "Correct the OSM" })).toBeEnabled();
});

test("only a support agent finds support's actions on an enrollment", async ({ page }) => {
  await signIn(page, "admin@contoso.example");
  await page.goto("/enrollments/10000007");
  await expect(page.locator("#summary")).toBeVisible();
  await expect(page.locator("#support")).toHaveCount(0);
});

test("the console finds an enrollment by a contact's email and its page offers the actions", async ({ page }) => {
  await signIn(page, "support@vl-operations.example");
  await page.goto("/support");
  await ready(page);
  // An address no other journey changes (the OSM of 10000006).
  await page.getByLabel("Find an enrollment").fill("it-admin@contoso.example");
  await page.getByRole("button", { name: "Find" }).click();
  await expect(page).toHaveURL(/\/enrollments\?q=/);
  await page.getByRole("link", { name: "10000006" }).click();
  await expect(page.locator("#support #correct-osm")).toContainText("it-admin@contoso.example");
});
