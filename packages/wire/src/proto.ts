/**
 * Loads the contract in protos/fmls/v1 at run time. The loader options must match
 * scripts/gen-proto-types.js, which generates the TypeScript types in ./generated.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProtoGrpcType as AgentProto } from './generated/agent';
import type { ProtoGrpcType as AuditorProto } from './generated/auditor';
import type { ProtoGrpcType as CoordinatorProto } from './generated/coordinator';

/** Bumped on any incompatible change of the contract; peers with another major are refused. */
export const PROTOCOL_VERSION = 1;

/** protos/ at the repository root, from packages/wire/{src,dist}. */
export const PROTO_ROOT = resolve(__dirname, '..', '..', '..', 'protos');

type Loaded = CoordinatorProto & AuditorProto & AgentProto;
let cached: Loaded | undefined;

export function loadContract(): Loaded['fmls']['v1'] {
  if (!cached) {
    const dir = join(PROTO_ROOT, 'fmls', 'v1');
    const files = readdirSync(dir).filter((f) => f.endsWith('.proto')).map((f) => `fmls/v1/${f}`);
    const definition = protoLoader.loadSync(files, {
      includeDirs: [PROTO_ROOT],
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    cached = grpc.loadPackageDefinition(definition) as unknown as Loaded;
  }
  return cached.fmls.v1;
}
