import { expect, Page, test } from "./portal-test";
import { ready, signIn } from "./accounts";

// Each project (hydrated, no JavaScript) works on its own demo enrollment, so
// the two can run side by side. `./portal test` sets a propagation delay of a
// few seconds, so the trackers complete while the tests watch.
const hydrated = () => test.info().project.name === "hydrated";
const enrollment = () => (hydrated() ? "10000011" : "10000012");
const tag = () => (hydrated() ? "h" : "n");

async function openContactChangeForm(page: Page) {
  await signIn(page, "partner@fabrikam.example");
  await page.goto(`/enrollments/${enrollment()}`);
  await ready(page);
  return page.locator("#contacts");
}

async function fillChange(page: Page, contact: string, name: string, email: string) {
  const form = page.locator("#contacts");
  await form.getByLabel("Contact", { exact: true }).selectOption({ label: contact });
  await form.getByLabel("New name").fill(name);
  await form.getByLabel("New email").fill(email);
  await form.getByLabel("New phone").fill("+1 425 555 0142");
  await form.getByLabel("Reason for the change").fill("The previous contact left the company");
}

/** The tracker's row for one hop, found by its heading. */
function hop(page: Page, system: string) {
  return page.getByTestId("hop").filter({ has: page.locator("th", { hasText: system }) });
}

/** Reloads the tracker until it says every system shows the change. */
async function waitUntilComplete(page: Page) {
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("change-status")).toHaveAttribute("data-complete", "true", { timeout: 1_000 });
  }).toPass({ timeout: 30_000, intervals: [1_000] });
}

test("a partner changes an OSM and follows the tracker until every system shows it", async ({ page }) => {
  const email = `osm-${tag()}-${Date.now()}@contoso.example`;
  await openContactChangeForm(page);
  await fillChange(page, "Online services manager (OSM)", "Olivia Newman", email);
  await page.getByRole("button", { name: "Submit change request" }).click();

  await expect(page).toHaveURL(/\/changes\/CICR-\d+$/);
  await expect(page.getByTestId("change-status")).toContainText("Applied in eMSL");
  await expect(hop(page, "eMSL")).toContainText(email);
  await expect(hop(page, "VLSC")).toContainText("Expected by");

  await waitUntilComplete(page);
  await expect(page.getByTestId("change-status")).toContainText("every system shows the change");
  for (const system of ["eMSL", "VLSC", "explore.ms"]) {
    await expect(hop(page, system)).toContainText(email);
    await expect(hop(page, system)).toContainText("Done");
  }
  // The partner's enrollment page (explore.ms) now shows the new OSM.
  await page.goto(`/enrollments/${enrollment()}`);
  await expect(page.locator("#contacts")).toContainText(email);
});

test("a partner changes a bill-to contact, ROC approves it and the tracker completes", async ({ page }) => {
  const email = `billing-${tag()}-${Date.now()}@contoso.example`;
  await openContactChangeForm(page);
  await fillChange(page, "Bill-to contact", "Bruno Billing", email);
  await page.getByLabel("Billing address").fill("1 Microsoft Way");
  await page.getByLabel("Billing city").fill("Redmond");
  await page.getByLabel("Billing postal code").fill("98052");
  await page.getByLabel("Billing country").fill("United States");
  await page.getByRole("button", { name: "Submit change request" }).click();

  await expect(page).toHaveURL(/\/changes\/CICR-\d+$/);
  const reference = page.url().split("/").pop()!;
  await expect(page.getByTestId("change-status")).toContainText("Waiting for the operations center");

  await page.context().clearCookies();
  await signIn(page, "roc@vl-operations.example");
  await page.goto("/roc-queue");
  await page.getByRole("link", { name: reference }).click();
  await ready(page);
  await page.getByLabel("Approve and apply to eMSL").check();
  await page.getByLabel("Comment").fill("Matches the signed CICR form");
  await page.getByRole("button", { name: "Record decision" }).click();
  await expect(page.getByTestId("change-status")).toContainText("Applied in eMSL");
  await expect(hop(page, "Operations center")).toContainText("Approved by");

  await waitUntilComplete(page);
  await expect(hop(page, "explore.ms")).toContainText(email);

  // The partner is told of the decision and of the completion, each once, with
  // a link to the tracker (support reads the demo mailbox for everyone).
  await page.context().clearCookies();
  await signIn(page, "support@vl-operations.example");
  const notices = page.locator("article", { hasText: reference });
  await expect(async () => {
    await page.goto(`/mailbox?q=${reference}`);
    await expect(notices).toHaveCount(2, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(notices.filter({ hasText: "Your contact change request was approved" })).toContainText("Matches the signed CICR form");
  const done = notices.filter({ hasText: "Your contact change now shows everywhere" });
  await expect(done).toContainText("partner@fabrikam.example");
  expect(await done.getByRole("link").getAttribute("href")).toMatch(new RegExp(`/changes/${reference}$`));
});

test("an OLA change is refused with the guidance to ask the VLSC administrator", async ({ page }) => {
  await openContactChangeForm(page);
  await fillChange(page, "Online administrator (OLA)", "Oscar Ola", `ola-${tag()}@contoso.example`);
  await page.getByRole("button", { name: "Submit change request" }).click();
  await expect(page.locator("#contact-error")).toContainText("VLSC administrator adds or removes them in the portal");
  await expect(page).toHaveURL(new RegExp(`/enrollments/${enrollment()}`));
});

test("a customer sees the contacts and is told to ask their partner", async ({ page }) => {
  await signIn(page, "admin@contoso.example");
  await page.goto(`/enrollments/${enrollment()}`);
  await expect(page.getByTestId("contacts-source")).toContainText("VLSC");
  await expect(page.getByTestId("contact-guidance")).toContainText("ask your partner, Fabrikam");
  await expect(page.getByRole("button", { name: "Submit change request" })).toHaveCount(0);
});
