import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  inspectNetwork,
  networkProblems,
  parseIpv4DefaultRoutes,
  parseIpv6DefaultRoutes,
  parseProcNetDev,
} from '../../src/ceremony/preflight/network.js';

describe('air-gap check', () => {
  it('finds IPv4 default routes and ignores others', () => {
    const table = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;
    expect(parseIpv4DefaultRoutes(table)).toEqual(['ipv4 default via eth0']);
    expect(parseIpv4DefaultRoutes(table.split('\n').slice(0, 1).join('\n'))).toEqual([]);
  });

  it('ignores the reject default routes Linux puts on lo', () => {
    const table = `00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo
`;
    expect(parseIpv6DefaultRoutes(table)).toEqual([]);
    const real =
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth0\n';
    expect(parseIpv6DefaultRoutes(real)).toEqual(['ipv6 default via eth0']);
  });

  it('lists interfaces from /proc/net/dev and flags those with addresses, never loopback', async () => {
    const proc = await mkdtemp(join(tmpdir(), 'kc-proc-'));
    await writeFile(
      join(proc, 'dev'),
      'Inter-|   Receive                            |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes\n    lo:       0       0    0    0    0     0          0         0        0\n  eth9:       0       0    0    0    0     0          0         0        0\n',
    );
    expect(parseProcNetDev(await import('node:fs').then((fs) => fs.readFileSync(join(proc, 'dev'), 'utf8')))).toEqual([
      'lo',
      'eth9',
    ]);
    const quiet = await inspectNetwork(proc, () => ({
      lo: [
        { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: '127.0.0.1/8' },
      ],
    }));
    expect(quiet.interfaces.map((i) => i.name)).toEqual(['eth9', 'lo']);
    expect(networkProblems(quiet)).toEqual([]);
    const busy = await inspectNetwork(proc, () => ({
      eth9: [
        {
          address: '192.0.2.2',
          netmask: '255.255.255.0',
          family: 'IPv4',
          mac: '',
          internal: false,
          cidr: '192.0.2.2/24',
        },
      ],
    }));
    expect(networkProblems(busy)).toEqual(['interface eth9 is up with address 192.0.2.2/24']);
    const unknown = await inspectNetwork(join(proc, 'missing'));
    expect(networkProblems(unknown)).toHaveLength(1);
  });
});
