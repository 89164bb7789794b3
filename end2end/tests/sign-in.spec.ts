import { expect, test } from "./portal-test";
import { ACCOUNTS, expectSignedInAs, PASSWORD, ready, signIn } from "./accounts";

for (const account of ACCOUNTS) {
  test(`${account.role} signs in and sees their navigation`, async ({ page }) => {
    await signIn(page, account.email);
    await expect(page).toHaveURL(/\/$/);
    await expectSignedInAs(page, account.email);
    await expect(page.getByTestId("who-role")).toHaveText(account.role);
    await expect(page.getByTestId("who-organisation")).toHaveText(account.organisation);
    const nav = page.getByRole("navigation", { name: "Main" }).getByRole("link");
    await expect(nav).toHaveText([...account.nav]);
    // The home says what needs their attention, a section per kind of thing.
    const sections = page.locator("section.attention-section");
    await expect(sections).toHaveCount(account.home.length);
    for (const key of account.home) {
      await expect(page.getByTestId(`attention-${key}`).getByRole("heading")).toBeVisible();
    }
  });
}

test("the OSM's home leads to each enrollment's activation", async ({ page }) => {
  await signIn(page, "osm@contoso.example");
  const mine = page.getByTestId("attention-osm-enrollments");
  await expect(mine.getByTestId("count")).not.toHaveText("0");
  await expect(mine.locator("li", { hasText: "10000001" })).toContainText("Activation email sent");
  await expect(mine.getByRole("link", { name: "All enrollments" })).toHaveAttribute("href", "/enrollments");
  await mine.getByRole("link", { name: /^10000001/ }).click();
  await expect(page).toHaveURL(/\/enrollments\/10000001\/activation$/);
});

test("a wrong password shows the message and signs nobody in", async ({ page }) => {
  await signIn(page, "ola@contoso.example", "not-the-password");
  await expect(page.getByRole("alert")).toHaveText("The email or password is incorrect.");
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in\?next=/);
});

test("a malformed email is refused next to the field", async ({ page }) => {
  await page.goto("/sign-in");
  await ready(page);
  await page.getByLabel("Email").fill("not-an-address");
  await page.getByLabel("Password").fill("whatever");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("#email-error")).toHaveText("Enter an email address like name@example.com.");
});

test("signing out ends the session", async ({ page }) => {
  await signIn(page, "osm@contoso.example");
  await expectSignedInAs(page, "osm@contoso.example");
  await ready(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in\?next=/);
});

test("a page that needs sign-in sends you back to it afterwards", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in\?next=%2F|\/sign-in\?next=\//);
  await ready(page);
  await page.getByLabel("Email").fill("ola@contoso.example");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expectSignedInAs(page, "ola@contoso.example");
});

test("an unknown address shows the not-found page", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});
