export { certPaths, type CertPaths } from './cert-paths';
export { generateKey, type KeyPairPem } from './keys';
export { buildCertificate, type CertificateSpec, type Issuer } from './build-certificate';
export { splitCertificates, writeFileAtomic } from './pem';
export { ensureFirstStartCertificates, createSelfSignedServerCertificate, defaultServerNames } from './first-start';
export { loadTlsMaterial, buildSecureContextOptions, type TlsMaterial } from './tls-material';
