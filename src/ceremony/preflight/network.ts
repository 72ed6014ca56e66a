/**
 * The air-gap check. A real ceremony refuses to start while any non-loopback interface is up with an
 * address, or any default route exists (IPv4 or IPv6, reject routes excepted).
 *
 * Everything is read from sources that follow the process's network namespace: interface names from
 * /proc/net/dev, addresses from getifaddrs (Node's os.networkInterfaces, which lists only interfaces that are
 * up and running), routes from /proc/net/route and /proc/net/ipv6_route. (/sys/class/net is not used: it
 * shows the namespace it was mounted in, which may not be ours.) Where /proc cannot be read the state is
 * unknown, and a real ceremony refuses as well.
 */
import { readFile } from 'node:fs/promises';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export interface InterfaceState {
  readonly name: string;
  /** Addresses of the interface while it is up and running (none when it is down). */
  readonly addresses: readonly string[];
}

export interface NetworkState {
  readonly interfaces: readonly InterfaceState[];
  readonly defaultRoutes: readonly string[];
  /** Set when the system could not be inspected. */
  readonly unknown: string | undefined;
}

const RTF_UP = 0x1;
const RTF_REJECT = 0x200;

/** Interface names from /proc/net/dev. */
export function parseProcNetDev(text: string): string[] {
  return text
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]?.trim() ?? '')
    .filter((name) => name.length > 0);
}

/** Parses /proc/net/route: interfaces with an up IPv4 route to 0.0.0.0/0. */
export function parseIpv4DefaultRoutes(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 8 && f[1] === '00000000' && f[7] === '00000000')
    .filter(
      (f) => (Number.parseInt(f[3] ?? '0', 16) & RTF_UP) !== 0 && (Number.parseInt(f[3] ?? '0', 16) & RTF_REJECT) === 0,
    )
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

export async function inspectNetwork(
  procfs = '/proc/net',
  addresses: () => NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces,
): Promise<NetworkState> {
  const dev = await readOptional(`${procfs}/dev`);
  if (dev === undefined)
    return { interfaces: [], defaultRoutes: [], unknown: `${procfs}/dev cannot be read (not Linux?)` };
  const live = addresses();
  const names = [...new Set([...parseProcNetDev(dev), ...Object.keys(live)])].sort();
  const interfaces = names.map((name) => ({
    name,
    addresses: (live[name] ?? []).filter((a) => !a.internal).map((a) => a.cidr ?? a.address),
  }));
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
    .filter((i) => i.name !== 'lo' && i.addresses.length > 0)
    .map((i) => `interface ${i.name} is up with address ${i.addresses.join(', ')}`);
  return [...problems, ...state.defaultRoutes.map((r) => `a default route exists (${r})`)];
}
