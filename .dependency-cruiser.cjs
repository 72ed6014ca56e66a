/**
 * The layers of src/ (docs/architecture.md), enforced in `npm run lint`.
 *
 *   cli/  →  ceremony/  →  vault/ transcript/ backup/ publish/ release/ bundle/ version.ts  →  openpgp/ dct/ x509/ containers/
 *         →  signer/ pkcs11/  →  crypto/  →  util/ errors.ts
 *
 * version.ts (the tool's version and code or bundle hash) sits with the stores: it reads bundle/.
 *
 * A layer imports only layers to its right. Inside ceremony/, the core (context, session, runner, loader,
 * products) never imports an action: the CLI hands the action registry to the loader.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles (type-only imports included) blur which module owns what.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'base-is-base',
      severity: 'error',
      comment: 'util/ and errors.ts are the floor: they import nothing else of keyceremony.',
      from: { path: '^src/(util/|errors\\.ts)' },
      to: { path: '^src/', pathNot: '^src/(util/|errors\\.ts)' },
    },
    {
      name: 'crypto-below-keys',
      severity: 'error',
      comment: 'crypto/ is raw key material and digests; it knows nothing of tokens, signers or formats.',
      from: { path: '^src/crypto/' },
      to: { path: '^src/', pathNot: '^src/(crypto/|util/|errors\\.ts)' },
    },
    {
      name: 'signers-below-formats',
      severity: 'error',
      comment: 'signer/ and pkcs11/ sign bytes; they never learn what format the bytes belong to.',
      from: { path: '^src/(signer|pkcs11)/' },
      to: { path: '^src/', pathNot: '^src/(signer/|pkcs11/|crypto/|util/|errors\\.ts)' },
    },
    {
      name: 'formats-below-stores',
      severity: 'error',
      comment:
        'Wire formats (OpenPGP, DCT/TUF, X.509, container tool files) do not know vaults, transcripts or ceremonies.',
      from: { path: '^src/(openpgp|dct|x509|containers)/' },
      to: { path: '^src/(vault|transcript|backup|publish|release|bundle|ceremony|cli)/' },
    },
    {
      name: 'domain-below-ceremony',
      severity: 'error',
      comment: 'Domain code is used by ceremonies and commands, never the other way round.',
      from: { path: '^src/((vault|transcript|backup|publish|release|bundle)/|version\\.ts)' },
      to: { path: '^src/(ceremony|cli)/' },
    },
    {
      name: 'ceremony-below-cli',
      severity: 'error',
      comment: 'Ceremonies run the same from any front end.',
      from: { path: '^src/ceremony/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'core-does-not-know-actions',
      severity: 'error',
      comment: 'The ceremony core gets the action registry from its caller; only actions/index.ts lists actions.',
      from: { path: '^src/ceremony/', pathNot: '^src/ceremony/actions/' },
      to: { path: '^src/ceremony/actions/' },
    },
    {
      name: 'folder-public-surface',
      severity: 'error',
      comment:
        'A domain folder is used through its index.ts, its public surface; what index.ts does not export is the ' +
        "folder's own business (docs/architecture.md).",
      // version.ts, loaded by every command, reads bundle/identity.ts directly rather than the whole bundle/ folder.
      from: { path: '^src/([^/]+)', pathNot: '^src/version\\.ts$' },
      to: {
        path: '^src/(openpgp|dct|x509|containers|signer|pkcs11|crypto|vault|transcript|backup|publish|release|bundle)/',
        // dct/online/ (the network code) has a surface of its own, kept out of dct/index.ts.
        pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', '^src/dct/online/index\\.ts$'],
      },
    },
    {
      name: 'network-only-online-commands',
      severity: 'error',
      comment:
        'Offline by construction: only the online dct commands import the network code (dct/online/), so nothing ' +
        'a ceremony loads can reach the network.',
      from: { pathNot: ['^src/dct/online/', '^src/cli/commands/dct-[a-z-]+\\.ts$'] },
      to: { path: '^src/dct/online/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
