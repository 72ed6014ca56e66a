/**
 * Certificate serial numbers: positive, at most 20 octets (RFC 5280 §4.1.2.2), unpredictable (at least 64
 * bits of CSPRNG output, CA/B Forum BR 7.1). keyceremony uses 16 random octets with the top two bits fixed
 * to 01: always positive, always exactly 16 octets in DER (no leading zero to add or strip), 126 random bits.
 */
import { randomBytes } from 'node:crypto';

export function randomSerial(): Uint8Array {
  const serial = new Uint8Array(randomBytes(16));
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  return serial;
}

/** Problems with a caller-given serial (content octets of the INTEGER, big-endian). */
export function serialProblems(serial: Uint8Array): string[] {
  const problems: string[] = [];
  if (serial.length === 0 || serial.length > 20) problems.push('a serial number is 1 to 20 octets');
  if ((serial[0] ?? 0) & 0x80) problems.push('a serial number must be positive');
  if (serial.length > 1 && serial[0] === 0 && ((serial[1] ?? 0) & 0x80) === 0)
    problems.push('a serial number must be minimally encoded (no leading zero octet)');
  if (serial.every((b) => b === 0)) problems.push('a serial number must not be zero');
  return problems;
}
