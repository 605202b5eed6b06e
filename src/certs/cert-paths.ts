import path from 'node:path';

/** Where certificate material lives under the data dir. */
export function certPaths(dataDir: string) {
  const root = path.join(dataDir, 'certs');
  return {
    root,
    /**
     * Stable paths of the active key, certificate and chain: symlinks into the active
     * generation (see server-generations.ts), so they always name one matching set.
     */
    serverKey: path.join(root, 'server.key'),
    serverCert: path.join(root, 'server.crt'),
    serverChain: path.join(root, 'chain.pem'),
    /** One directory per key + certificate + chain set (gen-*), and `current`, the link naming the active one. */
    serverGenerationsDir: path.join(root, 'server'),
    serverCurrent: path.join(root, 'server', 'current'),
    /** Key made by `cert csr`, waiting for its signed certificate (0600). */
    pendingKey: path.join(root, 'pending.key'),
    pendingMeta: path.join(root, 'pending.json'),
    /** Where releases before generations kept the previous set; migrated into a generation at start. */
    legacyPreviousDir: path.join(root, 'previous'),
    legacyPreviousKey: path.join(root, 'previous', 'server.key'),
    legacyPreviousCert: path.join(root, 'previous', 'server.crt'),
    legacyPreviousChain: path.join(root, 'previous', 'chain.pem'),
    trustDir: path.join(root, 'trust'),
    /** Leaf certificates pinned with `trust add --leaf` (accepted by fingerprint). */
    pinDir: path.join(root, 'trust', 'pins'),
    crlDir: path.join(root, 'crl'),
    devClientDir: path.join(root, 'dev-client'),
    devCaCert: path.join(root, 'dev-client', 'dev-ca.crt'),
    devCaKey: path.join(root, 'dev-client', 'dev-ca.key'),
    devClientCert: path.join(root, 'dev-client', 'client.crt'),
    devClientKey: path.join(root, 'dev-client', 'client.key'),
  };
}
export type CertPaths = ReturnType<typeof certPaths>;
