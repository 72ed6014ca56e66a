/**
 * The reproducible offline bundle: one archive with the Node.js runtime, the compiled code, the production
 * dependencies (pkcs11js compiled), the ceremony scripts, data, docs and a manifest — built on an online
 * machine, carried over the air gap, checked and run there with nothing installed. See docs/bundle.md.
 *
 * (src/version.ts imports ./identity.js directly: it is loaded by every command and must stay light.)
 */
export { buildBundle, type BuildOptions, type BuiltBundle } from './build.js';
export { bundleTreeSha256, isBundleTree } from './identity.js';
export { BUNDLE_FORMAT, LAUNCHER_FILE, MANIFEST_FILE, NODE_FILE, SUMS_FILE } from './layout.js';
export { type BundleEntry, type BundleManifest, describeRequirements, parseManifest } from './manifest.js';
export {
  type BundleCheck,
  type BundleProblem,
  type BundleProblemKind,
  verifyBundle,
  verifyBundleArchive,
  verifyBundleTree,
} from './verify.js';
