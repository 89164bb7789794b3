import { expect, test } from "./portal-test";
import { ready, signIn } from "./accounts";

// Pages are rendered on the server; the browser downloads only the islands'
// WASM and JS. This is the budget for any page, as the browser receives it
// (compressed), and a build that goes over it fails here.
const BUDGET_BYTES = 100 * 1024;

const PAGES: { name: string; path: string; as?: string }[] = [
  { name: "the sign-in page", path: "/sign-in" },
  { name: "home", path: "/", as: "ola@contoso.example" },
  { name: "the enrollments list", path: "/enrollments", as: "ola@contoso.example" },
  { name: "one enrollment, with the reservation and contact change forms", path: "/enrollments/10000004", as: "admin@contoso.example" },
  { name: "the reservations list", path: "/reservations", as: "ola@contoso.example" },
  { name: "the contact changes", path: "/changes", as: "partner@fabrikam.example" },
];

test.describe("what a browser downloads for a page", () => {
  // Skipped without JavaScript: such a browser downloads no WASM or JS, so there is no budget to check.
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled === false, "without JavaScript no script is downloaded at all");

  for (const { name, path, as } of PAGES) {
    test(`${name}: WASM and JS within ${BUDGET_BYTES / 1024} KB`, async ({ page: signingIn, browser, baseURL }) => {
      // As on a first visit: a browser with nothing in its cache (signed in
      // elsewhere, when the page needs it).
      const context = await browser.newContext({ baseURL });
      if (as) {
        await signIn(signingIn, as);
        await context.addCookies(await signingIn.context().cookies());
      }
      const page = await context.newPage();
      const sizes: Promise<{ url: string; bytes: number }>[] = [];
      page.on("requestfinished", (request) => {
        const url = new URL(request.url());
        if (/\.(js|wasm)$/.test(url.pathname)) {
          sizes.push(request.sizes().then((s) => ({ url: url.pathname, bytes: s.responseBodySize })));
        }
      });
      await page.goto(path);
      await ready(page);
      const files = await Promise.all(sizes);
      const total = files.reduce((sum, f) => sum + f.bytes, 0);
      console.log(`${path}: ${total} bytes of WASM and JS (${files.map((f) => `${f.url} ${f.bytes}`).join(", ")})`);
      // The island was downloaded and ran (the page is hydrated) ...
      expect(files.some((f) => f.url.endsWith(".wasm"))).toBe(true);
      expect(files.every((f) => f.bytes > 0)).toBe(true);
      // ... and everything the page downloaded fits the budget.
      expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
      await context.close();
    });
  }
});
