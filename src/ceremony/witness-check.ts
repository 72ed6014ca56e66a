/**
 * What a witness types to show they looked, not only that they agree: the last four groups of the value they
 * compared (a fingerprint read aloud and written on the runbook, the code SHA-256, the transcript SHA-256).
 * Four groups of four hex digits are 64 bits: a witness who did not look cannot guess them, and a misread
 * fingerprint on the paper shows up at once.
 */
import { groupedHex } from '../util/fingerprint-display.js';

/** How many groups of four hex digits a witness types back. */
export const CHECK_GROUPS = 4;

export interface WitnessCheck {
  /** What was shown, as the prompt names it ("root fingerprint", "code SHA-256"). */
  readonly what: string;
  /** The value shown, in hex. */
  readonly hex: string;
}

/** The last four groups of `hex` as shown on screen: "ABCD 1234 5678 9ABC". */
export function lastGroups(hex: string): string {
  return groupedHex(hex.slice(-CHECK_GROUPS * 4));
}

/** The question a role is asked. */
export function checkQuestion(check: WitnessCheck, who: string): string {
  return `${who}: type the last ${CHECK_GROUPS} groups of the ${check.what}, from your runbook`;
}

/** Why `typed` is not the end of the value (undefined when it is); spaces and case do not matter. */
export function checkProblem(check: WitnessCheck, typed: string): string | undefined {
  const digits = typed.replace(/\s+/g, '').toUpperCase();
  if (!/^[0-9A-F]+$/.test(digits) || digits.length !== CHECK_GROUPS * 4) {
    return `type the last ${CHECK_GROUPS} groups of the ${check.what}: ${CHECK_GROUPS * 4} hex digits, like "${'0A1B '.repeat(CHECK_GROUPS).trim()}"`;
  }
  if (digits !== check.hex.slice(-CHECK_GROUPS * 4).toUpperCase()) {
    return `that is not how the ${check.what} ends: compare the runbook with the screen`;
  }
  return undefined;
}
