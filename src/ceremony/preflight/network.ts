/**
 * The air-gap check. A real ceremony refuses to start while any non-loopback interface is up with an
 * address, or any default route exists (IPv4 or IPv6, reject routes excepted). Read from Linux's /sys and
 * /proc; on other systems the check cannot be made and a real ceremony refuses as well.
 */
import { readdir, readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';

export interface InterfaceState {
  readonly name: string;
  readonly up: boolean;
  readonly addresses: readonly string[];
}

export interface NetworkState {
  readonly interfaces: readonly InterfaceState[];
  readonly defaultRoutes: readonly string[];
  /** Non-empty when the system could not be inspected. */
  readonly unknown: string | undefined;
}

const IFF_UP = 0x1;
const RTF_UP = 0x1;
const RTF_REJECT = 0x200;

/** Parses /proc/net/route: interfaces with an up IPv4 route to 0.0.0.0/0. */
export function parseIpv4DefaultRoutes(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 8 && f[1] === '00000000' && f[7] === '00000000')
    .filter((f) => (Number.parseInt(f[3] ?? '0', 16) & RTF_UP) !== 0 && (Number.parseInt(f[3] ?? '0', 16) & RTF_REJECT) === 0)
    .map((f) => `ipv4 default via ${f[0] ?? '?'}`);
}

/** Parses /proc/net/ipv6_route: ::/0 routes that are not reject routes and not on lo. */
export function parseIpv6DefaultRoutes(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 10 && /^0{32}$/.test(f[0] ?? '') && f[1] === '00')
    .filter((f) => (Number.parseInt(f[8] ?? '0', 16) & RTF_REJECT) === 0 && f[9] !== 'lo')
    .map((f) => `ipv6 default via ${f[9] ?? '?'}`);
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function inspectNetwork(sysfs = '/sys/class/net', procfs = '/proc/net'): Promise<NetworkState> {
  let names: string[];
  try {
    names = (await readdir(sysfs)).sort();
  } catch {
    return { interfaces: [], defaultRoutes: [], unknown: `${sysfs} cannot be read (not Linux?)` };
  }
  const addresses = networkInterfaces();
  const interfaces: InterfaceState[] = [];
  for (const name of names) {
    const flags = Number.parseInt((await readOptional(`${sysfs}/${name}/flags`))?.trim() ?? '0', 16);
    interfaces.push({
      name,
      up: (flags & IFF_UP) !== 0,
      addresses: (addresses[name] ?? []).map((a) => a.cidr ?? a.address),
    });
  }
  const defaultRoutes = [
    ...parseIpv4DefaultRoutes((await readOptional(`${procfs}/route`)) ?? ''),
    ...parseIpv6DefaultRoutes((await readOptional(`${procfs}/ipv6_route`)) ?? ''),
  ];
  return { interfaces, defaultRoutes, unknown: undefined };
}

/** The reasons this state is not air-gapped (empty when it is). */
export function networkProblems(state: NetworkState): string[] {
  if (state.unknown) return [`the network state is unknown: ${state.unknown}`];
  const problems = state.interfaces
    .filter((i) => i.name !== 'lo' && i.up && i.addresses.length > 0)
    .map((i) => `interface ${i.name} is up with address ${i.addresses.join(', ')}`);
  return [...problems, ...state.defaultRoutes.map((r) => `a default route exists (${r})`)];
}
