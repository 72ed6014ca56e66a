/**
 * What a Linux ELF binary needs from the machine it runs on: the shared libraries it links (DT_NEEDED) and the
 * newest symbol version it asks of each (GLIBC_2.34, GLIBCXX_3.4.21, ...). The bundle records this for the
 * Node.js binary and the compiled pkcs11js module, so a ceremony team knows before the day whether their live
 * system can run it (an old glibc fails at load time with "version `GLIBC_2.34' not found").
 *
 * Reads only the ELF header, the section headers, .dynamic, .dynstr and .gnu.version_r, with positioned reads:
 * the 100 MB node binary is never read whole. 64-bit little-endian ELF only (x86_64, aarch64); the same
 * answers as `readelf -d` and `readelf -V`.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const SHT_DYNAMIC = 6;
const SHT_GNU_VERNEED = 0x6ffffffe;
const DT_NEEDED = 1;

export interface ElfRequirements {
  /** Shared libraries named in DT_NEEDED, in order. */
  readonly needed: string[];
  /** Per library, the newest version of each symbol-version family it requires (e.g. GLIBC_2.34, GLIBCXX_3.4.21). */
  readonly versions: Record<string, string[]>;
}

export class ElfFormatError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'ElfFormatError';
  }
}

interface Section {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
}

/** "GLIBC_2.3.4" → family "GLIBC", numbers [2, 3, 4]; names without a version number are their own family. */
function splitVersion(name: string): { family: string; numbers: number[] } {
  const match = /^(.*?)_(\d+(?:\.\d+)*)$/.exec(name);
  if (!match) return { family: name, numbers: [] };
  return { family: match[1] as string, numbers: (match[2] as string).split('.').map(Number) };
}

function compareNumbers(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The newest version per family: ["GLIBC_2.2.5", "GLIBC_2.34", "GLIBC_2.14"] → ["GLIBC_2.34"]. */
export function newestVersions(names: Iterable<string>): string[] {
  const best = new Map<string, { name: string; numbers: number[] }>();
  for (const name of names) {
    const { family, numbers } = splitVersion(name);
    const current = best.get(family);
    if (!current || compareNumbers(numbers, current.numbers) > 0) best.set(family, { name, numbers });
  }
  return [...best.values()].map((v) => v.name).sort();
}

export function elfRequirements(file: string): ElfRequirements {
  const fd = openSync(file, 'r');
  try {
    const read = (position: number, length: number): Buffer => {
      const buffer = Buffer.alloc(length);
      const got = readSync(fd, buffer, 0, length, position);
      if (got !== length) throw new ElfFormatError(file, `truncated at byte ${position}`);
      return buffer;
    };
    const ident = read(0, 64);
    if (ident.readUInt32BE(0) !== 0x7f454c46) throw new ElfFormatError(file, 'not an ELF file');
    if (ident[4] !== 2 || ident[5] !== 1) throw new ElfFormatError(file, 'not a 64-bit little-endian ELF file');
    const shoff = Number(ident.readBigUInt64LE(0x28));
    const shentsize = ident.readUInt16LE(0x3a);
    const shnum = ident.readUInt16LE(0x3c);
    if (shnum === 0 || shentsize < 64) throw new ElfFormatError(file, 'has no section headers');
    const table = read(shoff, shnum * shentsize);
    const sections: Section[] = [];
    for (let i = 0; i < shnum; i++) {
      const at = i * shentsize;
      sections.push({
        type: table.readUInt32LE(at + 4),
        offset: Number(table.readBigUInt64LE(at + 0x18)),
        size: Number(table.readBigUInt64LE(at + 0x20)),
        link: table.readUInt32LE(at + 0x28),
        info: table.readUInt32LE(at + 0x2c),
      });
    }
    const strings = (index: number): ((at: number) => string) => {
      const section = sections[index];
      if (!section) throw new ElfFormatError(file, `section ${index} does not exist`);
      const data = read(section.offset, section.size);
      return (at: number) => {
        const end = data.indexOf(0, at);
        if (at >= data.length || end < 0) throw new ElfFormatError(file, 'string table index out of range');
        return data.toString('latin1', at, end);
      };
    };

    const needed: string[] = [];
    for (const section of sections.filter((s) => s.type === SHT_DYNAMIC)) {
      const name = strings(section.link);
      const data = read(section.offset, section.size);
      for (let at = 0; at + 16 <= data.length; at += 16) {
        const tag = data.readBigInt64LE(at);
        if (tag === 0n) break;
        if (tag === BigInt(DT_NEEDED)) needed.push(name(Number(data.readBigUInt64LE(at + 8))));
      }
    }

    const wanted = new Map<string, Set<string>>();
    for (const section of sections.filter((s) => s.type === SHT_GNU_VERNEED)) {
      const name = strings(section.link);
      const data = read(section.offset, section.size);
      let at = 0;
      for (let n = 0; n < section.info; n++) {
        if (at + 16 > data.length) throw new ElfFormatError(file, 'version-needed entry out of range');
        const count = data.readUInt16LE(at + 2);
        const library = name(data.readUInt32LE(at + 4));
        const names = wanted.get(library) ?? new Set<string>();
        wanted.set(library, names);
        let aux = at + data.readUInt32LE(at + 8);
        for (let k = 0; k < count; k++) {
          if (aux + 16 > data.length) throw new ElfFormatError(file, 'version-needed entry out of range');
          names.add(name(data.readUInt32LE(aux + 8)));
          aux += data.readUInt32LE(aux + 12);
        }
        const next = data.readUInt32LE(at + 12);
        if (next === 0) break;
        at += next;
      }
    }
    const versions: Record<string, string[]> = {};
    for (const library of [...wanted.keys()].sort()) versions[library] = newestVersions(wanted.get(library) ?? []);
    return { needed, versions };
  } finally {
    closeSync(fd);
  }
}
