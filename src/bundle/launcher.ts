/**
 * bin/keyceremony in a bundle: a POSIX shell script that runs the bundled Node.js on the bundled code. It needs
 * no node or npm on PATH, works through symbolic links (e.g. /usr/local/bin/keyceremony), and clears the
 * environment variables through which Node.js would load other code (NODE_OPTIONS can --require or --import
 * any file; NODE_PATH changes module resolution; NODE_ICU_DATA swaps the ICU data), so the code that runs is
 * the code that was hashed.
 */
export const LAUNCHER = `#!/bin/sh
# keyceremony from an offline bundle: runs the bundled Node.js on the bundled code (docs/bundle.md).
set -eu
self=$0
case $self in
*/*) ;;
*) self=$(command -v -- "$self") ;;
esac
while [ -L "$self" ]; do
  target=$(readlink -- "$self")
  case $target in
  /*) self=$target ;;
  *) self=\${self%/*}/$target ;;
  esac
done
root=$(CDPATH='' cd -- "\${self%/*}/.." && pwd -P)
unset NODE_OPTIONS NODE_PATH NODE_ICU_DATA
exec "$root/node/bin/node" "$root/bin/keyceremony.js" "$@"
`;
