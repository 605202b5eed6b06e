import type { X509Certificate } from 'node:crypto';
import type { PendingKeyInfo } from './certificate-types';
import type { ServerMaterial } from './server-certificate';
import type { GenerationMeta, ServerOrigin } from './server-generations';
import type { TrustEntry, TrustReadOptions } from './trust-store';

export interface PendingKey {
  keyPem: string;
  meta?: PendingKeyInfo;
}

/** The set active before the current one: what rollback returns to. */
export interface KeptServer {
  meta?: GenerationMeta;
  /** Throws ImpbError when its files cannot be read or do not link. */
  read(): ServerMaterial;
  /** Its certificate only, or undefined when it cannot be read (for display). */
  certificate(): X509Certificate | undefined;
}

/**
 * Where certificate material lives: files in the data dir today (createFileMaterialStore),
 * the database when several instances share it. The certificate services reach storage only
 * through this port; validation, dry-runs and the swap stay in the services.
 */
export interface CertificateMaterialStore {
  /** The active key, certificate and chain. Throws ImpbError when unreadable or when key and certificate do not match. */
  readServer(): ServerMaterial;
  /** Records `material`, which is what the stable paths hold now, as the active set when the layout is not in order. */
  adoptServer(material: ServerMaterial): void;
  /**
   * Before a change: when another tool left files at the stable paths, keeps them as a set;
   * when those are not a valid pair, `inUse` takes their place.
   */
  repairServerLayout(inUse: ServerMaterial): void;
  /** Makes `next` the active set in one step; the current one becomes its previous. */
  activateServer(next: ServerMaterial, meta: { action: string; fingerprint: string; origin: ServerOrigin }): void;
  currentServerMeta(): GenerationMeta | undefined;
  previousServer(): KeptServer | undefined;
  /** Start-up housekeeping (left-over temporary files, old sets). */
  tidy(): void;

  readPending(): PendingKey | undefined;
  writePending(keyPem: string, meta: PendingKeyInfo): void;
  clearPending(): void;

  readTrust(options: TrustReadOptions): TrustEntry[];
  /** Stores one trusted certificate; returns where it is kept (TrustEntry.file). */
  writeTrust(entry: TrustEntry): string;
  deleteTrust(entry: TrustEntry): void;

  /** Every stored CRL, by a stable name (sorted). */
  listCrls(): Array<{ name: string; data: Buffer }>;
  writeCrl(issuerFingerprint: string, der: Buffer): void;
  deleteCrl(name: string): void;
}
