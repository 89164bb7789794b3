import { expect, Page, test } from "./portal-test";
import { ready, signIn } from "./accounts";

const hydrated = () => test.info().project.name === "hydrated";

async function placeOrder(page: Page, number: string, product: string, quantity: number) {
  await page.goto(`/enrollments/${number}`);
  await ready(page);
  const orders = page.locator("#orders");
  await orders.locator("select[name=product_1]").selectOption({ label: product });
  await orders.locator("input[name=quantity_1]").fill(String(quantity));
  await orders.getByRole("button", { name: "Place order" }).click();
  await expect(orders.locator("tr", { hasText: `× ${quantity}` })).toHaveCount(1);
}

/**
 * The demo mailbox's message for an enrollment, waiting for the worker to
 * deliver it. Only support and VLSC administrators read the mailbox: the page
 * must be signed in as one of them.
 */
async function messageFor(page: Page, number: string) {
  const article = page.locator("article", { hasText: `Enrollment: ${number}` });
  await expect(async () => {
    await page.goto(`/mailbox?q=${number}`);
    await expect(article).not.toHaveCount(0, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  return article;
}

test("the first online order's email binds an account; the next order joins it without email", async ({ page }) => {
  // R1, R9, R10/R12 (confirmation), R11d. Each project has its own enrollment.
  const number = hydrated() ? "10000009" : "10000010";
  const domain = hydrated() ? "journey-js.onmicrosoft.example" : "journey-nojs.onmicrosoft.example";
  await signIn(page, "partner@fabrikam.example");
  await placeOrder(page, number, "Microsoft 365 E3 (Online service)", 5);

  // The customer's VLSC administrator reads the demo mailbox; the partner does not.
  await page.goto("/mailbox");
  await expect(page.getByRole("alert")).toContainText("The mailbox is for support agents and VLSC administrators.");
  await page.context().clearCookies();
  await signIn(page, "admin@contoso.example");
  const message = await messageFor(page, number);
  await expect(message.getByRole("heading")).toHaveText("Sign in or register to start using your new subscription.");
  const link = await message.getByRole("link").getAttribute("href");
  expect(link).toContain("/activate/");
  // Its HTML part says the same, with a button for the one action, in a frame
  // that runs no script.
  await message.getByText("HTML version").click();
  await expect(message.locator("iframe")).toHaveAttribute("sandbox", "");
  const html = message.frameLocator("iframe");
  await expect(html.getByText(`Enrollment: ${number}`)).toBeVisible();
  await expect(html.getByRole("link", { name: "Activate your subscription" })).toHaveAttribute("href", link!);
  // The administrator's session is shared with other journeys: leave it signed in.
  await page.context().clearCookies();

  await page.goto(link!);
  await ready(page);
  await page.getByLabel("Account domain").fill(domain);
  await page.getByLabel("Administrator email").fill(`admin@${domain}`);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("confirm-text")).toContainText(`You are about to attach enrollment ${number}`);
  await expect(page.getByTestId("confirm-text")).toContainText(domain);
  await ready(page);
  await page.getByRole("button", { name: "Attach to this account" }).click();
  await expect(page.getByTestId("activation-done")).toContainText(domain);

  await signIn(page, "partner@fabrikam.example");
  await page.goto(`/enrollments/${number}`);
  await expect(page.getByTestId("online-account")).toContainText(domain);

  await placeOrder(page, number, "Exchange Online Plan 1 (Online service)", 7);
  await expect(async () => {
    await page.goto(`/enrollments/${number}/activation`);
    await expect(page.locator("[data-outcome=joined_account]")).toHaveCount(1, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByTestId("check-d")).toHaveAttribute("data-applies", "true");
  await page.context().clearCookies();
  await signIn(page, "admin@contoso.example");
  await page.goto(`/mailbox?q=${number}`);
  await expect(page.locator("article", { hasText: `Enrollment: ${number}` })).toHaveCount(1);
});

test("an expired activation link shows the expiry page", async ({ page }) => {
  await signIn(page, "support@vl-operations.example");
  const message = await messageFor(page, "10000008");
  const link = await message.getByRole("link").getAttribute("href");
  await page.goto(link!);
  await expect(page.getByRole("heading", { name: "This activation link has expired" })).toBeVisible();
  await expect(page.getByText("Ask VLSC Support to reactivate it")).toBeVisible();
});

test("the diagnoser names the reason of each demo enrollment", async ({ page }) => {
  await signIn(page, "support@vl-operations.example");
  const cases: [string, string][] = [
    ["10000002", "b"],
    ["10000003", "a"],
    ["10000004", "d"],
    ["10000005", "e"],
    ["10000006", "f"],
    ["10000007", "g"],
    ["10000008", "c"],
  ];
  for (const [number, code] of cases) {
    await page.goto(`/enrollments/${number}/activation`);
    await expect(page.getByTestId(`check-${code}`)).toHaveAttribute("data-applies", "true");
  }
  // The awaiting enrollment's email is shown as sent once the worker has run.
  await expect(async () => {
    await page.goto("/enrollments/10000001/activation");
    await expect(page.getByTestId("check-c")).toHaveAttribute("data-applies", "true", { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
});
