import { expect, test } from "./portal-test";
import { ready, signIn } from "./accounts";

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

test("reservations sort by usage start and filter by enrollment and status, keeping the sort", async ({ page }) => {
  await signIn(page, "admin@contoso.example");
  // Two reservations to sort, whatever else the demo holds.
  for (const days of [45, 12]) {
    await page.goto("/enrollments/10000004");
    await ready(page);
    const form = page.locator("#reservations");
    await form.getByLabel("Product").selectOption({ label: "Microsoft 365 E3" });
    await form.getByLabel("Quantity").fill("3");
    await form.getByLabel("Usage start date").fill(new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10));
    await form.getByRole("button", { name: "Reserve" }).click();
    await expect(form.locator(".form-error")).toHaveCount(0);
    await expect(form.locator("tr", { hasText: "Microsoft 365 E3 × 3" }).first()).toBeVisible();
  }
  await page.goto("/reservations");
  await expect(page.locator('th[aria-sort="descending"]')).toContainText("Reservation");
  await page.locator('th a[data-sort="starts"]').click();
  await expect(page).toHaveURL(/sort=starts&dir=asc/);
  await expect(page.locator('th[aria-sort="ascending"]')).toContainText("Usage starts");
  const starts = await page.locator("tbody tr td:nth-child(5)").allInnerTexts();
  expect(starts.length).toBeGreaterThan(1);
  expect([...starts].sort()).toEqual(starts);

  const enrollment = await page.locator("tbody tr").first().locator("td").nth(1).innerText();
  await page.getByLabel("Enrollment").fill(enrollment);
  await page.getByLabel("Status").selectOption({ label: "Placed" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(new RegExp(`enrollment=${enrollment}`));
  await expect(page).toHaveURL(/status=placed/);
  await expect(page).toHaveURL(/sort=starts/);
  const rows = page.locator("tbody tr");
  const count = await rows.count();
  expect(count).toBeGreaterThan(0);
  await expect(page.getByTestId("list-count")).toHaveAttribute("data-total", String(count));
  for (let i = 0; i < count; i++) {
    await expect(rows.nth(i).locator("td").nth(1)).toHaveText(enrollment);
    await expect(rows.nth(i)).toContainText("placed");
  }

  // A filter that is not an enrollment number is refused, saying so.
  await page.getByLabel("Enrollment").fill("contoso");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.locator("#enrollment-error")).toContainText("digits only");
});

test("the audit trail searches its changes and its security events", async ({ page }) => {
  await signIn(page, "admin@contoso.example");
  await page.goto("/audit");
  await expect(page.getByRole("heading", { name: "Changes" })).toBeVisible();
  await page.getByRole("navigation", { name: "Audit trail" }).getByRole("link", { name: "Security events" }).click();
  await expect(page).toHaveURL(/show=security/);
  await expect(page.getByRole("heading", { name: "Security events" })).toBeVisible();
  await page.getByLabel("Search").fill("sign");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/show=security/);
  await expect(page).toHaveURL(/q=sign/);
  const rows = page.locator("tbody tr");
  const count = await rows.count();
  expect(count).toBeGreaterThan(0);
  for (let i = 0; i < count; i++) await expect(rows.nth(i)).toContainText(/sign/i);
  await page.locator('th a[data-sort="what"]').click();
  await expect(page).toHaveURL(/sort=what&dir=asc/);
  await expect(page).toHaveURL(/q=sign/);
});

test("support re-syncs a replication issue from its own list, filtered by system", async ({ page }) => {
  await signIn(page, "support@vl-operations.example");
  await page.goto("/support");
  await page.getByRole("link", { name: /Replication issues/ }).click();
  await expect(page).toHaveURL(/\/support\/replication$/);
  await page.getByLabel("System").selectOption({ label: "VLSC" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/system=vlsc/);
  const rows = page.locator("#replication tbody tr");
  // The demo holds one: 10000007's primary contact differs in VLSC.
  await expect(rows.filter({ hasText: "10000007" })).not.toHaveCount(0);
  const count = await rows.count();
  for (let i = 0; i < count; i++) await expect(rows.nth(i).locator("td").nth(2)).toHaveText("VLSC");
  await page.locator('th a[data-sort="contact"]').click();
  await expect(page).toHaveURL(/system=vlsc/);
  await expect(page).toHaveURL(/sort=contact&dir=asc/);
});

test("people, customers and organisations are searched by name", async ({ page }) => {
  await signIn(page, "support@vl-operations.example");
  await page.goto("/organisations");
  await page.getByLabel("Search").fill("contoso");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/q=contoso/);
  const names = await page.locator("tbody tr td").allInnerTexts();
  expect(names.length).toBeGreaterThan(0);
  for (const name of names) expect(name.toLowerCase()).toContain("contoso");
  await expect(page.getByTestId("list-count")).toHaveAttribute("data-total", String(names.length));

  await page.context().clearCookies();
  await signIn(page, "admin@contoso.example");
  await page.goto("/people");
  await page.getByLabel("Search").fill("ola@");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/q=ola%40|q=ola@/);
  await expect(page.locator("table").first().locator("tbody tr")).toHaveCount(1);
  await expect(page.locator("table").first().locator("tbody tr")).toContainText("ola@contoso.example");
  // Each list's pages are a landmark named after the list, so the people's
  // and the invitations' can be told apart.
  await expect(page.getByRole("navigation", { name: "Pages of people" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Pages", exact: true })).toHaveCount(0);
  await page.locator('th a[data-sort="email"]').click();
  await expect(page).toHaveURL(/sort=email&dir=asc/);
  await expect(page).toHaveURL(/q=ola/);
});
