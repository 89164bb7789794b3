import { createHmac } from "node:crypto";

/** The demo's privileged accounts and their two-step secrets (see the README). */
export const DEMO_TWO_STEP_SECRETS: Record<string, string> = {
  "admin@contoso.example": "DEMOADMINCONTOSOTWOSTEPSECRET234",
  "support@vl-operations.example": "DEMOSUPPORTAGENTTWOSTEPSECRET234",
  "roc@vl-operations.example": "DEMOROCOPERATORTWOSTEPSECRET2345",
};

function base32(secret: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/[\s=]/g, "").toUpperCase()) {
    const value = alphabet.indexOf(c);
    if (value < 0) throw new Error(`not base32: ${c}`);
    bits += value.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The 30-second step a time falls in. */
export function stepAt(ms = Date.now()): number {
  return Math.floor(ms / 1000 / 30);
}

/** The six-digit code of `secret` for `step` (RFC 6238 with HMAC-SHA-1). */
export function codeFor(secret: string, step = stepAt()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}
