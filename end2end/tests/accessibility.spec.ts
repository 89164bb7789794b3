import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "./portal-test";
import { ready, signIn } from "./accounts";

// Every kind of page, as the role that uses it sees it, checked by axe-core in
// the browser against WCAG 2.1 A and AA.
const PAGES: { path: string; as?: string }[] = [
  { path: "/sign-in" },
  { path: "/forgot-password" },
  { path: "/", as: "admin@contoso.example" },
  { path: "/", as: "osm@contoso.example" },
  { path: "/", as: "partner@fabrikam.example" },
  { path: "/", as: "support@vl-operations.example" },
  { path: "/", as: "roc@vl-operations.example" },
  { path: "/enrollments", as: "admin@contoso.example" },
  { path: "/enrollments/10000004", as: "admin@contoso.example" },
  { path: "/enrollments/10000011", as: "partner@fabrikam.example" },
  { path: "/enrollments/10000013", as: "support@vl-operations.example" },
  { path: "/enrollments/10000001/activation", as: "osm@contoso.example" },
  { path: "/reservations", as: "ola@contoso.example" },
  { path: "/changes", as: "partner@fabrikam.example" },
  { path: "/roc-queue", as: "roc@vl-operations.example" },
  { path: "/customers", as: "partner@fabrikam.example" },
  { path: "/organisations", as: "support@vl-operations.example" },
  { path: "/support", as: "support@vl-operations.example" },
  { path: "/support/replication", as: "support@vl-operations.example" },
  { path: "/tickets", as: "admin@contoso.example" },
  { path: "/people", as: "admin@contoso.example" },
  { path: "/audit", as: "admin@contoso.example" },
  { path: "/audit?show=security", as: "admin@contoso.example" },
  { path: "/account", as: "ola@contoso.example" },
  { path: "/mailbox", as: "admin@contoso.example" },
];

// Skipped without JavaScript: axe-core is a script run inside the page, which
// such a browser does not run; the pages' markup is the same either way.
test.skip(({ javaScriptEnabled }) => javaScriptEnabled === false, "axe-core runs as a script inside the page");

for (const { path, as } of PAGES) {
  test(`${path}${as ? ` as ${as}` : ""} has no WCAG 2.1 AA violation`, async ({ page }) => {
    if (as) await signIn(page, as);
    const response = await page.goto(path);
    expect(response?.status(), "the page exists").toBeLessThan(400);
    await ready(page);
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    const found = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    expect(results.passes.length, "axe-core checked the page").toBeGreaterThan(10);
    expect(found, "axe-core's WCAG 2.1 AA violations").toEqual([]);
  });
}
