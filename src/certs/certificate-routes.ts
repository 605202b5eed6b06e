import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { KEY_TYPES, type KeyType } from '../config/schema';
import { ImpbError } from '../errors';
import type { CertificateActor, CertificateManager } from './certificate-manager';
import { parseCertificateInput } from './trust-store';

/** The header the CLI sets so the audit trail can tell CLI changes from direct API calls. */
export const ACTOR_HEADER = 'x-impb-actor';

function actorOf(req: Request): CertificateActor {
  const declared = String(req.get(ACTOR_HEADER) ?? req.query.actor ?? '').toLowerCase();
  return declared === 'cli' ? 'cli' : 'admin-api';
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new ImpbError('IMPB_ERR_VALIDATION', { message: `invalid request: ${problems.join('; ')}`, details: { problems } });
  }
  return result.data;
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
      ctx.addIssue({ code: 'custom', message: `${value} is not supported: certificates and CSRs are signed with node-forge, which signs RSA keys only; use ${KEY_TYPES.join(', ')}` });
      return z.NEVER;
    }
    if (!(KEY_TYPES as readonly string[]).includes(value)) {
      ctx.addIssue({ code: 'custom', message: `unknown key type ${value}: use ${KEY_TYPES.join(', ')}` });
      return z.NEVER;
    }
    return value as KeyType;
  });

const hostName = z.string().min(1).max(253).regex(/^[A-Za-z0-9*._:[\]-]+$/, 'a DNS name or an IP address');
const csrInput = z.object({
  commonName: hostName,
  subjectAltNames: z.array(hostName).max(100).default([]),
  keyType: keyTypeInput,
});

const installInput = z.object({
  certPem: z.string().min(1, 'certPem is required'),
  chainPem: z.string().optional(),
});

function certificatesFrom(body: { pem?: string; der?: string }): string[] {
  return parseCertificateInput(body.pem ?? Buffer.from(body.der!, 'base64'));
}

/**
 * Certificate admin routes, relative to /api/v1 (the admin app mounts them behind the token).
 * Bodies are JSON; errors are ImpbErrors rendered by the admin app's error handler.
 */
export function createCertificateRoutes(deps: { manager: CertificateManager }): Router {
  const { manager } = deps;
  const router = Router();
  // Self-contained: a certificate bundle can exceed the default 100 kB body limit.
  router.use(express.json({ limit: '2mb' }));

  router.get('/trust', async (_req, res) => {
    res.json({ anchors: await manager.trustList() });
  });
  router.post('/trust', async (req, res) => {
    const body = parse(certificateInput, req.body);
    const result = await manager.trustAdd(certificatesFrom(body), actorOf(req), { leaf: body.leaf, replace: body.replace });
    res.status(201).json(result);
  });
  router.post('/trust/diff', (req, res) => {
    const body = parse(certificateInput, req.body);
    res.json(manager.trustDiff(certificatesFrom(body), { leaf: body.leaf }));
  });
  router.get('/trust/crl', (_req, res) => {
    res.json({ crls: manager.crlList() });
  });
  router.post('/trust/crl', async (req, res) => {
    const body = parse(crlInput, req.body);
    res.status(201).json(await manager.crlAdd(body.pem ?? Buffer.from(body.der!, 'base64'), actorOf(req)));
  });
  router.delete('/trust/:fingerprint', async (req, res) => {
    res.json({ removed: await manager.trustRemove(String(req.params.fingerprint), actorOf(req)) });
  });

  router.get('/certificate', (_req, res) => {
    res.json(manager.show());
  });
  router.get('/certificate/expiry', (_req, res) => {
    res.json({ certificates: manager.checkExpiry() });
  });
  router.post('/certificate/csr', async (req, res) => {
    const body = parse(csrInput, req.body);
    res.status(201).json(await manager.createCsr({ commonName: body.commonName, subjectAltNames: body.subjectAltNames, keyType: body.keyType }, actorOf(req)));
  });
  router.post('/certificate/install', async (req, res) => {
    const body = parse(installInput, req.body);
    res.json(await manager.install(body, actorOf(req)));
  });
  router.post('/certificate/rollback', async (req, res) => {
    res.json(await manager.rollback(actorOf(req)));
  });
  router.post('/certificate/renew-self-signed', async (req, res) => {
    res.json(await manager.renewSelfSigned(actorOf(req)));
  });
  return router;
}
