/**
 * @peculiar/x509 wired to Node's WebCrypto. Its decorators need reflect-metadata loaded
 * first, and it has no crypto of its own; import x509 from here, never directly.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type CryptoKey = webcrypto.CryptoKey;

export { x509, webcrypto };

/** ECDSA P-256 with SHA-256: small keys that grpc-js (OpenSSL) accepts for server and client. */
export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
