#!/usr/bin/env node
// Generates TypeScript types for the gRPC contract in protos/ into packages/wire/src/generated.
// The options here must match the runtime loader options in packages/wire/src/proto.ts.
const { execFileSync } = require('node:child_process');
const { readdirSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const protoDir = path.join(root, 'protos');
const files = readdirSync(path.join(protoDir, 'fmls', 'v1')).filter((f) => f.endsWith('.proto')).map((f) => `fmls/v1/${f}`);
const bin = require.resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js');
execFileSync(process.execPath, [
  bin, '--grpcLib=@grpc/grpc-js', '--outDir=packages/wire/src/generated', '--includeDirs=protos',
  '--longs=Number', '--enums=String', '--defaults', '--oneofs', '--keepCase=false', ...files,
], { cwd: root, stdio: 'inherit' });
