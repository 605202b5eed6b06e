import type { Request } from 'express';
import { z } from 'zod';
import { route, type ApiRoute } from '../api-route';
import { KEY_TYPES, type KeyType } from '../../config/schema';
import type { CertificateActor, CertificateManager } from '../../certs/certificate-manager';
import { formatSubjectAltName, parseSubjectAltName } from '../../certs/subject-alt-name';
import { parseCertificateInput } from '../../certs/trust-store';

/** The header the CLI sets so the audit trail can tell CLI changes from direct API calls. */
export const ACTOR_HEADER = 'x-impb-actor';

function actorOf(req: Request): CertificateActor {
  const query = req.query.actor;
  const declared = (req.get(ACTOR_HEADER) ?? (typeof query === 'string' ? query : '')).toLowerCase();
  return declared === 'cli' ? 'cli' : 'admin-api';
}

const certificateInput = z
  .object({
    pem: z.string().min(1).optional().describe('PEM text, one or many certificates'),
    der: z.string().min(1).optional().describe('one DER certificate, base64'),
    leaf: z.boolean().optional().describe('accept leaf certificates as pins'),
    replace: z.boolean().optional().describe('make the trust bundle exactly this file'),
  })
  .refine((b) => Boolean(b.pem) !== Boolean(b.der), { message: 'give either pem or der (base64)' });

const crlInput = z
  .object({ pem: z.string().min(1).optional(), der: z.string().min(1).optional() })
  .refine((b) => Boolean(b.pem) !== Boolean(b.der), { message: 'give either pem or der (base64)' });

const keyTypeInput = z
  .string()
  .default('rsa-2048')
  .transform((value, ctx): KeyType => {
    if (value.startsWith('ec')) {
      ctx.addIssue({
        code: 'custom',
        message: `${value} is not supported: certificates and CSRs are signed with node-forge, which signs RSA keys only; use ${KEY_TYPES.join(', ')}`,
      });
      return z.NEVER;
    }
    if (!(KEY_TYPES as readonly string[]).includes(value)) {
      ctx.addIssue({ code: 'custom', message: `unknown key type ${value}: use ${KEY_TYPES.join(', ')}` });
      return z.NEVER;
    }
    return value as KeyType;
  });

/** A name as operators type it (bare, or OpenSSL's DNS:/IP:/email:/URI:), stored in one spelling. */
const subjectAltName = z
  .string()
  .max(300)
  .transform((value, ctx) => {
    try {
      return formatSubjectAltName(parseSubjectAltName(value));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
const commonName = z
  .string()
  .min(1, 'the common name is required (--cn)')
  .max(300)
  .transform((value, ctx) => {
    try {
      const name = parseSubjectAltName(value);
      if (name.type === 'dns' || name.type === 'ip') return name.value;
      ctx.addIssue({ code: 'custom', message: `the common name must be a DNS name or IP address, not ${value.slice(0, 80)}` });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
    return z.NEVER;
  });
const csrInput = z.object({
  commonName,
  subjectAltNames: z.array(subjectAltName).max(100, 'at most 100 subject alternative names').default([]),
  keyType: keyTypeInput,
});

const installInput = z.object({
  certPem: z.string().min(1, 'certPem is required'),
  chainPem: z.string().optional(),
  dryRun: z.boolean().optional().describe('run every check and return them; activate nothing'),
});

const fingerprintParams = z.object({
  fingerprint: z.string().min(1).describe('SHA-256 fingerprint: any case, colons optional, or a unique prefix of at least 8 hex digits'),
});

function certificatesFrom(body: { pem?: string; der?: string }): string[] {
  return parseCertificateInput(body.pem ?? Buffer.from(body.der!, 'base64'));
}

/**
 * Trust anchors, CRLs and the server certificate, relative to /api/v1: the admin API mounts
 * them with its other routes (token, validation, error shape, OpenAPI document). Calls made
 * by the CLI carry `x-impb-actor: cli` (or `?actor=cli`) for the audit trail.
 */
export function certificateRoutes(deps: { manager: CertificateManager }): ApiRoute[] {
  const { manager } = deps;
  return [...trustRoutes(manager), ...serverCertificateRoutes(manager)];
}

/** Trust anchors, pins and their CRLs. */
function trustRoutes(manager: CertificateManager): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/trust',
      tag: 'certificates',
      summary: 'list trusted CAs and pinned leaves, with their CRL and the clusters using them',
      handler: async () => ({ anchors: await manager.trustList() }),
    }),
    route({
      method: 'post',
      path: '/trust',
      tag: 'certificates',
      summary: 'trust the certificates of a PEM bundle or DER file (CAs become anchors; with leaf, non-CA certificates become pins)',
      description:
        'Every certificate is checked first (CA, validity, not already trusted); one refused certificate refuses the whole import. New TLS handshakes use the new trust at once.',
      body: certificateInput,
      status: 201,
      errors: [409],
      handler: async ({ body, req }) => manager.trustAdd(certificatesFrom(body), actorOf(req), { leaf: body.leaf, replace: body.replace }),
    }),
    route({
      method: 'post',
      path: '/trust/diff',
      tag: 'certificates',
      summary: 'preview: what importing the file as the whole trust bundle would add, remove and keep (changes nothing)',
      body: certificateInput,
      handler: ({ body }) => manager.trustDiff(certificatesFrom(body), { leaf: body.leaf }),
    }),
    route({ method: 'get', path: '/trust/crl', tag: 'certificates', summary: 'list loaded CRLs', handler: () => ({ crls: manager.crlList() }) }),
    route({
      method: 'post',
      path: '/trust/crl',
      tag: 'certificates',
      summary: 'load a CRL (PEM or base64 DER) signed by a trusted CA',
      body: crlInput,
      status: 201,
      handler: async ({ body, req }) => manager.crlAdd(body.pem ?? Buffer.from(body.der!, 'base64'), actorOf(req)),
    }),
    route({
      method: 'delete',
      path: '/trust/:fingerprint',
      tag: 'certificates',
      summary: 'stop trusting a certificate; its clients are refused from their next handshake',
      params: fingerprintParams,
      errors: [404, 409],
      handler: async ({ params, req }) => ({ removed: await manager.trustRemove(params.fingerprint, actorOf(req)) }),
    }),
  ];
}

/** The server certificate: its key, CSR, install, rollback and expiry. */
function serverCertificateRoutes(manager: CertificateManager): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/certificate',
      tag: 'certificates',
      summary: 'the active server certificate, its chain, the pending key and the kept previous certificate',
      handler: () => manager.show(),
    }),
    route({
      method: 'get',
      path: '/certificate/expiry',
      tag: 'certificates',
      summary: 'expiry of the server certificate, its chain and the trusted certificates',
      handler: () => ({ certificates: manager.checkExpiry() }),
    }),
    route({
      method: 'post',
      path: '/certificate/csr',
      tag: 'certificates',
      summary: 'create a new key pair (kept pending) and return a PKCS#10 CSR for it',
      body: csrInput,
      status: 201,
      handler: async ({ body, req }) =>
        manager.createCsr({ commonName: body.commonName, subjectAltNames: body.subjectAltNames, keyType: body.keyType }, actorOf(req)),
    }),
    route({
      method: 'post',
      path: '/certificate/install',
      tag: 'certificates',
      summary: 'install a signed certificate for the pending (or current) key after checking key, validity, host names and chain',
      description:
        'With dryRun: true, nothing is activated: the answer is { ok, checks: [{ check, ok, detail, warning? }] } (a failed check is an answer, not an error). The install itself runs the same checks and refuses with the first failed one.',
      body: installInput,
      handler: async ({ body, req }) => (body.dryRun ? manager.checkInstall(body) : manager.install(body, actorOf(req))),
    }),
    route({
      method: 'post',
      path: '/certificate/rollback',
      tag: 'certificates',
      summary: 'go back to the certificate and key active before the last install or renewal',
      errors: [404],
      handler: async ({ req }) => manager.rollback(actorOf(req)),
    }),
    route({
      method: 'post',
      path: '/certificate/renew-self-signed',
      tag: 'certificates',
      summary: 'replace the server certificate with a new self-signed one (new key)',
      handler: async ({ req }) => manager.renewSelfSigned(actorOf(req)),
    }),
  ];
}
