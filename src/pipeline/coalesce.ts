// Coalescing is a domain rule; the pipeline applies it.
export { coalesce, isSent } from '../domain/coalesce';
