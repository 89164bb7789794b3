import { expect, Page, test } from "@playwright/test";
import { ready, signIn } from "../tests/accounts";

const OUT = "../docs/screenshots";

async function shot(page: Page, name: string) {
  await ready(page);
  await page.screenshot({ path: `${OUT}/${name}.jpg`, type: "jpeg", quality: 70, fullPage: true });
}

const HOMES: [string, string][] = [
  ["admin@contoso.example", "home-vlsc-administrator"],
  ["ola@contoso.example", "home-online-administrator"],
  ["osm@contoso.example", "home-online-services-manager"],
  ["partner@fabrikam.example", "home-partner"],
  ["support@vl-operations.example", "home-support"],
  ["roc@vl-operations.example", "home-roc"],
];

for (const [email, name] of HOMES) {
  test(`home of ${email}`, async ({ page }) => {
    await signIn(page, email);
    await page.goto("/");
    await expect(page.locator(".attention")).toBeVisible();
    await shot(page, name);
  });
}

test("an enrollment", async ({ page }) => {
  await signIn(page, "admin@contoso.example");
  await page.goto("/enrollments/10000001");
  await shot(page, "enrollment");
});

test("the contact change form with errors, then a tracker", async ({ page }) => {
  await signIn(page, "partner@fabrikam.example");
  await page.goto("/enrollments/10000011");
  await ready(page);
  const form = page.locator("#contacts");
  await form.getByLabel("Contact", { exact: true }).selectOption({ label: "Bill-to contact" });
  await form.getByLabel("New name").fill("Bea Tran");
  await form.getByLabel("New email").fill("bea.tran@contoso.example");
  await form.getByLabel("New phone").fill("+1 425 555 0199");
  await form.getByLabel("Reason for the change").fill("Accounts payable moved");
  await page.getByRole("button", { name: "Submit change request" }).click();
  await expect(page.locator("#billing_address-error")).toBeVisible();
  await ready(page);
  await form.scrollIntoViewIfNeeded();
  await form.screenshot({ path: `${OUT}/contact-change-form-with-errors.jpg`, type: "jpeg", quality: 70 });

  await form.getByLabel("Contact", { exact: true }).selectOption({ label: "Online services manager (OSM)" });
  await form.getByLabel("New name").fill("Olivia Newman");
  await form.getByLabel("New email").fill("olivia.newman@contoso.example");
  await page.getByRole("button", { name: "Submit change request" }).click();
  await expect(page).toHaveURL(/\/changes\/CICR-\d+$/);
  await shot(page, "tracker");
});

test("support's view of an enrollment", async ({ page }) => {
  await signIn(page, "support@vl-operations.example");
  await page.goto("/enrollments/10000015");
  await expect(page.locator("#support")).toBeVisible();
  await shot(page, "support-on-an-enrollment");
});
