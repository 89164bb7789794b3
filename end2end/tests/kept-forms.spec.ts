import { expect, test } from "./portal-test";
import { ready, signIn } from "./accounts";

// A refused form comes back with what was typed, hydrated and without
// JavaScript alike: the server keeps the refused fields for the page it sends
// the browser back to (never a password).

test("a refused reservation comes back with the product and quantity typed", async ({ page }) => {
  await signIn(page, "ola@contoso.example");
  await page.goto("/enrollments/10000004");
  await ready(page);
  const reservations = page.locator("#reservations");
  await reservations.getByLabel("Product").selectOption({ label: "Microsoft 365 E3" });
  await reservations.getByLabel("Quantity").fill("0");
  await reservations.getByRole("button", { name: "Reserve" }).click();
  await expect(page.locator("#quantity-error")).toHaveText("The quantity must be at least 1.");
  await ready(page);
  await expect(reservations.getByLabel("Quantity")).toHaveValue("0");
  await expect(reservations.getByLabel("Product").locator("option:checked")).toHaveText("Microsoft 365 E3");
  // Only once: the next visit shows an empty form.
  await page.goto("/enrollments/10000004");
  await expect(reservations.getByLabel("Quantity")).toHaveValue("");
});

test("a refused contact change keeps every field, the box ticked and the reason", async ({ page }) => {
  const enrollment = test.info().project.name === "hydrated" ? "10000011" : "10000012";
  await signIn(page, "partner@fabrikam.example");
  await page.goto(`/enrollments/${enrollment}`);
  await ready(page);
  const form = page.locator("#contacts");
  await form.getByLabel("Contact", { exact: true }).selectOption({ label: "Bill-to contact" });
  await form.getByLabel("New name").fill("Bea Tran");
  await form.getByLabel("New email").fill("bea.tran@contoso.example");
  await form.getByLabel("New phone").fill("+1 425 555 0199");
  await form.getByLabel("Reason for the change").fill("Accounts payable moved to <Seattle>");
  await form.getByLabel("Billing city").fill("Seattle");
  await form.getByLabel(/Send the activation email again/).check();
  // No billing address: a bill-to change is refused without one.
  await page.getByRole("button", { name: "Submit change request" }).click();
  await expect(page.locator("#billing_address-error")).toBeVisible();
  await ready(page);
  await expect(form.getByLabel("Contact", { exact: true }).locator("option:checked")).toHaveText("Bill-to contact");
  await expect(form.getByLabel("New name")).toHaveValue("Bea Tran");
  await expect(form.getByLabel("New email")).toHaveValue("bea.tran@contoso.example");
  await expect(form.getByLabel("Reason for the change")).toHaveValue("Accounts payable moved to <Seattle>");
  await expect(form.getByLabel("Billing city")).toHaveValue("Seattle");
  await expect(form.getByLabel("Billing address")).toHaveValue("");
  await expect(form.getByLabel(/Send the activation email again/)).toBeChecked();
});

test("a refused sign-in keeps the email, never the password", async ({ page }) => {
  await page.goto("/sign-in");
  await ready(page);
  // An address no account uses: a wrong password for a real one would count
  // against that account while other journeys sign in with it.
  await page.getByLabel("Email").fill("nobody-kept@contoso.example");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator(".form-error")).toBeVisible();
  await ready(page);
  await expect(page.getByLabel("Email")).toHaveValue("nobody-kept@contoso.example");
  await expect(page.getByLabel("Password")).toHaveValue("");
  expect(await page.content()).not.toContain("not-the-password");
});
