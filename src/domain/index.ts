export * from './events';
export * from './template';
export * from './subscriber';
export * from './client-identity';
export * from './provisioning-password';
export * from './language-map';
export * from './dialect-coverage';
export * from './source-address';
