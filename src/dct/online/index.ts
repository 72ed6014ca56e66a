/**
 * The network side of Docker Content Trust: the notary server client and the search for private material before
 * an upload. Only the online commands (`dct fetch-keys`, `dct publish`) import this; the ceremony path never does
 * (test/dct/offline.test.ts), so nothing a ceremony loads can reach the network.
 */
export { fetchMetadata, fetchRootVersion, fetchServerKey, notaryServer, uploadMetadata } from './notary-server.js';
export { findPrivateMaterial } from './private-material.js';
