/** Names inside a bundle (light: `keyceremony version` reads them at startup). */
export const BUNDLE_FORMAT = 'keyceremony-bundle/1';
export const MANIFEST_FILE = 'MANIFEST.json';
export const SUMS_FILE = 'SHA256SUMS';
/** The launcher: a POSIX shell script that runs the bundled Node.js on the bundled code. */
export const LAUNCHER_FILE = 'bin/keyceremony';
/** The Node.js runtime the bundle was built with. */
export const NODE_FILE = 'node/bin/node';
