import { readFileSync } from "node:fs";
import { join } from "node:path";

export const PASSWORD_FOR_SETUP = "Demo-portal-2026";

/** Where the global set-up keeps the session of a demo account. */
export function sessionFile(email: string): string {
  return join(__dirname, "..", ".sessions", `${email}.json`);
}

/** The cookies of the session the global set-up opened for `email`. */
export function sharedCookies(email: string) {
  return JSON.parse(readFileSync(sessionFile(email), "utf8")).cookies;
}
