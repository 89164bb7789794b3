import { expect, test } from "./portal-test";
import { signIn } from "./accounts";
import { readFile } from "node:fs/promises";

/** Clicks a download link and returns the file's name and text. */
async function download(page: import("@playwright/test").Page, link: string): Promise<[string, string]> {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: link }).click()]);
  return [file.suggestedFilename(), await readFile((await file.path())!, "utf8")];
}

test("an administrator downloads an enrollment's License Summary and every reservation as CSV", async ({ page }) => {
  await signIn(page, "admin@contoso.example");
  await page.goto("/enrollments/10000001");
  const [name, summary] = await download(page, "Download the License Summary (CSV)");
  expect(name).toBe("license-summary-10000001.csv");
  const lines = summary.split("\r\n");
  expect(lines[0]).toBe("Product,Kind,Quantity");
  expect(lines.slice(1).some((l) => /^Microsoft 365 E3,Online service,\d+$/.test(l))).toBe(true);

  await page.goto("/reservations");
  const [file, reservations] = await download(page, "Download every reservation (CSV)");
  expect(file).toMatch(/^reservations-\d{4}-\d{2}-\d{2}\.csv$/);
  expect(reservations.split("\r\n")[0]).toBe("Reservation,Enrollment,Product,Quantity,Usage start date,Status");
  // Contoso's administrator gets Contoso's reservations only.
  expect(reservations).not.toContain("20000001");
});
