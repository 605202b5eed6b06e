import path from 'node:path';

/** Where certificate material lives under the data dir. */
export function certPaths(dataDir: string) {
  const root = path.join(dataDir, 'certs');
  return {
    root,
    serverKey: path.join(root, 'server.key'),
    serverCert: path.join(root, 'server.crt'),
    serverChain: path.join(root, 'chain.pem'),
    trustDir: path.join(root, 'trust'),
    crlDir: path.join(root, 'crl'),
    devClientDir: path.join(root, 'dev-client'),
    devCaCert: path.join(root, 'dev-client', 'dev-ca.crt'),
    devCaKey: path.join(root, 'dev-client', 'dev-ca.key'),
    devClientCert: path.join(root, 'dev-client', 'client.crt'),
    devClientKey: path.join(root, 'dev-client', 'client.key'),
  };
}
export type CertPaths = ReturnType<typeof certPaths>;
