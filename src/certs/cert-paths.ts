import path from 'node:path';

/** Where certificate material lives under the data dir. */
export function certPaths(dataDir: string) {
  const root = path.join(dataDir, 'certs');
  return {
    root,
    serverKey: path.join(root, 'server.key'),
    serverCert: path.join(root, 'server.crt'),
    serverChain: path.join(root, 'chain.pem'),
    /** Key made by `cert csr`, waiting for its signed certificate (0600). */
    pendingKey: path.join(root, 'pending.key'),
    pendingMeta: path.join(root, 'pending.json'),
    /** The certificate, key and chain active before the last install (for `cert rollback`). */
    previousDir: path.join(root, 'previous'),
    previousKey: path.join(root, 'previous', 'server.key'),
    previousCert: path.join(root, 'previous', 'server.crt'),
    previousChain: path.join(root, 'previous', 'chain.pem'),
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
