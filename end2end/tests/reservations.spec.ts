import { expect, test } from "./portal-test";
import { ready, signIn } from "./accounts";

// Each project (hydrated, no JavaScript) uses its own quantities, so the two can
// run side by side on the same demo enrollment.
const mark = () => (test.info().project.name === "hydrated" ? 17 : 23);

function inDays(days: number): string {
  const d = new Date(Date.now() + days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

test("an OLA reserves an online service and cancels it", async ({ page }) => {
  const quantity = mark();
  await signIn(page, "ola@contoso.example");
  await page.goto("/enrollments/10000004");
  await ready(page);
  const reservations = page.locator("#reservations");
  await reservations.getByLabel("Product").selectOption({ label: "Exchange Online Plan 1" });
  await reservations.getByLabel("Quantity").fill(String(quantity));
  await reservations.getByLabel("Usage start date").fill(inDays(20));
  await reservations.getByRole("button", { name: "Reserve" }).click();

  const row = reservations.locator("tr", { hasText: `Exchange Online Plan 1 × ${quantity}` });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("placed");
  await ready(page);
  await row.getByRole("button", { name: /Cancel reservation/ }).click();
  await expect(reservations.locator("tr", { hasText: `Exchange Online Plan 1 × ${quantity}` })).toContainText("cancelled");
});

test("a reservation with quantity 0 is refused next to the field", async ({ page }) => {
  await signIn(page, "admin@contoso.example");
  await page.goto("/enrollments/10000004");
  await ready(page);
  const reservations = page.locator("#reservations");
  await reservations.getByLabel("Product").selectOption({ label: "Microsoft 365 E3" });
  await reservations.getByLabel("Quantity").fill("0");
  await reservations.getByRole("button", { name: "Reserve" }).click();
  await expect(page.locator("#quantity-error")).toHaveText("The quantity must be at least 1.");
});

test("an OSM without the permission sees why they cannot reserve", async ({ page }) => {
  await signIn(page, "osm@contoso.example");
  await page.goto("/enrollments/10000002");
  await expect(page.getByTestId("reservation-refusal")).toContainText("manage-reservation permission");
  await expect(page.locator("#reservations").getByRole("button", { name: "Reserve" })).toHaveCount(0);
  // The same OSM holds the permission on 10000001.
  await page.goto("/enrollments/10000001");
  await expect(page.locator("#reservations").getByRole("button", { name: "Reserve" })).toBeVisible();
});

test("a partner places an order for a customer's enrollment", async ({ page }) => {
  const quantity = mark() + 100;
  await signIn(page, "partner@fabrikam.example");
  await page.goto("/enrollments/10000004");
  await ready(page);
  const orders = page.locator("#orders");
  await orders.locator("select[name=product_1]").selectOption({ label: "Microsoft 365 E5 (Online service)" });
  await orders.locator("input[name=quantity_1]").fill(String(quantity));
  await orders.getByRole("button", { name: "Place order" }).click();
  await expect(orders.locator("tr", { hasText: `Microsoft 365 E5 × ${quantity}` })).toHaveCount(1);
  await expect(page.locator("#license-summary")).toContainText("Microsoft 365 E5");
});

test("another organisation's enrollment is not found", async ({ page }) => {
  await signIn(page, "admin@contoso.example");
  const response = await page.goto("/enrollments/20000001");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Enrollment not found" })).toBeVisible();
});

test("the enrollment list finds an enrollment by number", async ({ page }) => {
  await signIn(page, "admin@contoso.example");
  await page.goto("/enrollments");
  await ready(page);
  await page.getByLabel("Search").fill("10000006");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await expect(page.locator("tbody tr")).toContainText("OSM administers an existing online account");
});
