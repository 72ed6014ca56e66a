/** PEM for certificates and CRLs (RFC 7468: 64-column base64, no headers), and reading them back. */
import { inputError } from '../errors.js';

export type PemLabel = 'CERTIFICATE' | 'X509 CRL';

export function toPem(label: PemLabel, der: Uint8Array): string {
  const body = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = [`-----BEGIN ${label}-----`];
  for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
  lines.push(`-----END ${label}-----`, '');
  return lines.join('\n');
}

/** Every block of `label` in `text`, as DER, in order. Throws when there is none or base64 is broken. */
export function fromPem(label: PemLabel, text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const pattern = new RegExp(`-----BEGIN ${label}-----\\r?\\n([A-Za-z0-9+/=\\r\\n]*?)-----END ${label}-----`, 'g');
  for (const match of text.matchAll(pattern)) {
    const body = (match[1] ?? '').replace(/\s+/g, '');
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(body))
      throw inputError(`broken base64 in a ${label} PEM block`);
    out.push(new Uint8Array(Buffer.from(body, 'base64')));
  }
  if (out.length === 0) throw inputError(`no ${label} PEM block`);
  return out;
}
