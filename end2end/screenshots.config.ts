import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// Screenshots of the main pages at 1280×900 in Debian's Chromium, for the
// docs: `./portal screenshots` serves a freshly seeded portal and writes them
// to docs/screenshots/. Not part of `./portal test`.
export default defineConfig({
  ...base,
  testDir: "./screenshots",
  fullyParallel: false,
  workers: 1,
  projects: [
    {
      name: "screenshots",
      use: { ...base.projects![0].use, viewport: { width: 1280, height: 900 } },
    },
  ],
});
