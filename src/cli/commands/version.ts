/** keyceremony version [--json] */
import { codeSha256, toolVersion } from '../../version.js';

export function versionCommand(options: { json: boolean }): void {
  const info = { name: 'keyceremony', version: toolVersion(), codeSha256: codeSha256(), node: process.version };
  if (options.json) process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
  else process.stdout.write(`keyceremony ${info.version}\ncode sha256 ${info.codeSha256}\nnode ${info.node}\n`);
}
