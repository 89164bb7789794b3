import { expect, test } from "./portal-test";
import { expectSignedInAs, PASSWORD, ready, signIn } from "./accounts";

test("after signing in, a hostile next stays on the portal", async ({ page, baseURL }) => {
  await page.goto("/sign-in?next=%2F%09%2Fevil.example%2Fphish");
  await ready(page);
  await page.getByLabel("Email").fill("partner@fabrikam.example");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${baseURL}/`);
  await expectSignedInAs(page, "partner@fabrikam.example");
});

test("a form posted from another site is refused and changes nothing", async ({ page, baseURL }) => {
  await signIn(page, "admin@contoso.example");
  await expectSignedInAs(page, "admin@contoso.example");
  // A page that is not the portal's, with a form aimed at the portal's sign-out.
  await page.goto("about:blank");
  await page.setContent(
    `<form method="post" action="${baseURL}/api/sign-out"><button type="submit">Win a prize</button></form>`,
  );
  await page.getByRole("button", { name: "Win a prize" }).click();
  await expect(page.getByRole("alert")).toContainText("did not come from the portal");
  await page.goto("/");
  await expectSignedInAs(page, "admin@contoso.example");
});

test("pages are served with a policy that only the portal's scripts satisfy", async ({ page }) => {
  const response = await page.goto("/sign-in");
  const policy = response?.headers()["content-security-policy"] ?? "";
  expect(policy).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  expect(policy).not.toContain("unsafe-inline");
  expect(response?.headers()["x-content-type-options"]).toBe("nosniff");
  expect(response?.headers()["cache-control"]).toBe("no-store");
  await ready(page);
});
