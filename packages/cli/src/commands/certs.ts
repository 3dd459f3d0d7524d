/** `fmls certs init|issue`: a private CA for a federation and one certificate per node (M-10.5). */
import { relative } from 'node:path';
import { Option, type Command } from 'commander';
import { CA_DEFAULT_DAYS, createCa, issueCert, NODE_DEFAULT_DAYS, type IssuedCert } from '../certs/authority';
import { checkNodeName } from '../certs/names';
import { collect } from '../dataset-flags';
import { parseIntOption } from '../parse-options';
import { runAction } from '../run-action';

const MAX_DAYS = 36500;

function daysOption(defaultDays: number): Option {
  return new Option('--days <n>', 'validity in days').default(defaultDays).argParser(parseIntOption('--days', 1, MAX_DAYS));
}

/** Paths as the user would type them: relative to here when below it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || rel === '' ? path : rel;
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function registerCertsCommands(program: Command): void {
  const certs = program
    .command('certs')
    .description('Make the TLS certificates of a federation: a private CA (init) and one certificate per node (issue)')
    .addHelpText('after', `
Every daemon and client then takes --tls-cert NODE.crt --tls-key NODE.key --tls-ca ca.crt;
with --tls-ca, each side accepts only peers holding a certificate from the same CA (mutual TLS).

Example:
  $ fmls certs init pki
  $ fmls certs issue pki --name coordinator --host coord.example.org
  $ fmls certs issue pki --name hospital-a
  $ fmls coordinator --listen 0.0.0.0:7000 --task task.yaml --out runs/bc \\
      --tls-cert pki/coordinator.crt --tls-key pki/coordinator.key --tls-ca pki/ca.crt`);

  certs
    .command('init')
    .description('Create a certificate authority: DIR/ca.crt (give it to every node) and DIR/ca.key (keep it secret; mode 0600)')
    .argument('<dir>', 'directory for the CA files (created)')
    .addOption(daysOption(CA_DEFAULT_DAYS))
    .option('--force', 'replace an existing CA; certificates it issued are then no longer trusted')
    .addHelpText('after', '\nThe key is ECDSA P-256. Existing files are never replaced without --force.\n\nExample:\n  $ fmls certs init pki\n  created CA pki/ca.crt (key pki/ca.key, mode 0600), valid until 2035-01-01')
    .action(
      runAction(async (dir: string, flags: { days: number; force?: boolean }) => {
        const ca = await createCa(dir, { days: flags.days, force: flags.force });
        process.stdout.write(`created CA ${shown(ca.files.cert)} (key ${shown(ca.files.key)}, mode 0600), valid until ${day(ca.notAfter)}\n`);
        process.stderr.write(`next: fmls certs issue ${dir} --name NODE, once per node\n`);
      }),
    );

  certs
    .command('issue')
    .description('Issue a node certificate signed by the CA in DIR: DIR/NAME.crt and DIR/NAME.key (mode 0600), valid for serving and as client certificate')
    .argument('<dir>', 'directory holding ca.crt and ca.key (from certs init)')
    .requiredOption('--name <node>', 'the node\'s name: certificate CN and file names (letters, digits, ".", "_", "-")', checkNodeName)
    .option('--host <name>', 'a DNS name or IP address peers use to reach this node (repeatable); localhost, 127.0.0.1 and ::1 are always included', collect)
    .addOption(daysOption(NODE_DEFAULT_DAYS))
    .option('--force', 'replace an existing certificate of that name')
    .addHelpText('after', `
The certificate never outlives the CA. Give each node its own; the same file serves
(--listen) and identifies the node to the peers it calls.

Example:
  $ fmls certs issue pki --name coordinator --host coord.example.org --host 10.0.0.5
  $ fmls certs issue pki --name hospital-a --days 365`)
    .action(
      runAction(async (dir: string, flags: { name: string; host?: string[]; days: number; force?: boolean }) => {
        const cert = await issueCert(dir, { name: flags.name, hosts: flags.host, days: flags.days, force: flags.force });
        process.stdout.write(`issued ${shown(cert.files.cert)} (key ${shown(cert.files.key)}, mode 0600) for ${sanList(cert)}, valid until ${day(cert.notAfter)}\n`);
        process.stderr.write(`use: --tls-cert ${shown(cert.files.cert)} --tls-key ${shown(cert.files.key)} --tls-ca ${shown(cert.files.cert.replace(/[^/\\]+$/, 'ca.crt'))}\n`);
      }),
    );
}

function sanList(cert: IssuedCert): string {
  return `${cert.subject.replace(/^CN=/, '')} (${cert.sans.map((s) => s.value).join(', ')})`;
}
