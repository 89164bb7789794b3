import { expect, test } from "./portal-test";
import { ready, signIn } from "./accounts";

// What the island around every page adds in a browser with JavaScript. Without
// it every form still works (the other journeys run without JavaScript too).
test.describe("forms in a browser with JavaScript", () => {
  // Skipped without JavaScript: the island is what these tests check, and it only runs in a browser with JavaScript.
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled === false, "the island runs only with JavaScript");

  test("a required field left empty is named next to it before anything is sent", async ({ page }) => {
    await page.goto("/sign-in");
    await ready(page);
    const posts: string[] = [];
    page.on("request", (r) => { if (r.method() === "POST") posts.push(r.url()); });
    await page.getByLabel("Email").fill("ola@contoso.example");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator("#password-error")).toHaveText("Enter your password.");
    await expect(page.getByLabel("Password")).toBeFocused();
    expect(posts).toEqual([]);
    // Typing clears the message.
    await page.getByLabel("Password").fill("x");
    await expect(page.locator("#password-error")).toHaveCount(0);
  });

  test("a double click sends a form once", async ({ page }) => {
    await signIn(page, "ola@contoso.example");
    await page.goto("/enrollments/10000004");
    await ready(page);
    const reservations = page.locator("#reservations");
    await reservations.getByLabel("Product").selectOption({ label: "Exchange Online Plan 1" });
    await reservations.getByLabel("Quantity").fill("41");
    const posts: string[] = [];
    page.on("request", (r) => { if (r.method() === "POST") posts.push(r.url()); });
    await reservations.getByRole("button", { name: "Reserve" }).dblclick();
    await expect(reservations.locator("tr", { hasText: "Exchange Online Plan 1 × 41" })).toHaveCount(1);
    expect(posts.filter((u) => u.endsWith("/api/reserve"))).toHaveLength(1);
  });
});
