import { expect, test } from "./portal-test";
import { signIn } from "./accounts";

// Lists keep their state in the URL: sorting, paging and the page size are
// links, so they work without JavaScript, can be shared, and Back returns.

const firstCell = (page: import("@playwright/test").Page) => page.locator("tbody tr").first().locator("td").first();

test("support sorts the enrollments, pages through them and Back returns", async ({ page }) => {
  await signIn(page, "support@vl-operations.example");
  await page.goto("/enrollments?per=10");
  const total = Number(await page.getByTestId("list-count").getAttribute("data-total"));
  expect(total).toBeGreaterThan(10);
  await expect(page.getByTestId("list-count")).toContainText(`${total} enrollments, 10 on this page`);
  await expect(page.locator("tbody tr")).toHaveCount(10);

  // Sorted by number, up by default: the heading sorts it down.
  const number = page.locator('th a[data-sort="number"]');
  await expect(page.locator('th[aria-sort="ascending"]')).toContainText("Enrollment");
  await number.click();
  await expect(page).toHaveURL(/sort=number&dir=desc/);
  await expect(page.locator('th[aria-sort="descending"]')).toContainText("Enrollment");
  const top = await firstCell(page).innerText();

  await page.getByRole("link", { name: "Next page" }).click();
  await expect(page).toHaveURL(/after=/);
  const next = await firstCell(page).innerText();
  expect(next < top).toBeTruthy();
  await expect(page.getByTestId("list-count")).toHaveAttribute("data-total", String(total));

  await page.goBack();
  await expect(page).not.toHaveURL(/after=/);
  await expect(firstCell(page)).toHaveText(top);

  // The page size is a link too; a new sort starts from the first page.
  await page.getByRole("link", { name: "25 rows a page" }).click();
  await expect(page).toHaveURL(/per=25/);
  await page.locator('th a[data-sort="customer"]').click();
  await expect(page).toHaveURL(/sort=customer&dir=asc/);
  await expect(page).not.toHaveURL(/after=/);
});

test("the ticket queue filters by status and keeps the filter in the URL", async ({ page }) => {
  await signIn(page, "support@vl-operations.example");
  await page.goto("/support");
  await page.getByLabel("Status").selectOption({ label: "Done" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/status=done/);
  await expect(page.getByLabel("Status").locator("option:checked")).toHaveText("Done");
  const rows = page.locator("section", { has: page.locator("#tickets-h") }).locator("tbody tr");
  const count = await rows.count();
  for (let i = 0; i < count; i++) await expect(rows.nth(i)).toContainText("done");
});
