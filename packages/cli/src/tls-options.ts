/**
 * The TLS flags of every daemon and client (M-10.5), defined and checked once: the node's
 * certificate and key (used to serve and as client certificate) and the federation's CA.
 * A daemon refuses to serve plaintext beyond loopback unless told --insecure.
 */
import { Option, type Command } from 'commander';
import { InputError, type Logger } from '@fmls/core';
import { formatHostPort, isLoopback, TlsCredentials, type HostPort } from '@fmls/wire';

export interface TlsFlags {
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

export interface DaemonTlsFlags extends TlsFlags {
  insecure?: boolean;
}

const CLIENT_ENV = { tlsCert: 'FMLS_TLS_CERT', tlsKey: 'FMLS_TLS_KEY', tlsCa: 'FMLS_TLS_CA' } as const;

function tlsOptions(env: boolean): Option[] {
  const options = [
    new Option('--tls-cert <file>', "this node's certificate (PEM, from fmls certs issue); with --tls-key turns TLS on"),
    new Option('--tls-key <file>', 'its private key (PEM)'),
    new Option('--tls-ca <file>', 'CA certificate (ca.crt): peers must hold a certificate it signed (mutual TLS)'),
  ];
  if (env) for (const o of options) o.env(CLIENT_ENV[o.attributeName() as keyof typeof CLIENT_ENV]);
  return options;
}

/** Adds --tls-cert, --tls-key, --tls-ca, and --insecure for a daemon that listens. */
export function addDaemonTlsOptions(command: Command, listens = true): Command {
  for (const o of tlsOptions(false)) command.addOption(o);
  if (listens) command.option('--insecure', 'allow serving without TLS on a non-loopback --listen address (traffic in plaintext)');
  return command;
}

/**
 * Adds the TLS flags, with FMLS_TLS_CERT/KEY/CA fallbacks, to each subcommand of `group`
 * that talks to the agent (those with --agent). Call after the subcommands are defined.
 */
export function addClientTlsOptions(group: Command): Command {
  for (const sub of group.commands) {
    if (sub.options.some((o) => o.long === '--agent')) for (const o of tlsOptions(true)) sub.addOption(o);
  }
  return group;
}

/** The TLS identity the flags name, checked; undefined when they name none (plaintext). */
export function parseTlsFlags(flags: TlsFlags): TlsCredentials | undefined {
  const { tlsCert: cert, tlsKey: key, tlsCa: ca } = flags;
  if (cert === undefined && key === undefined) {
    if (ca !== undefined) throw new InputError('--tls-ca needs --tls-cert and --tls-key', { fix: "give this node's certificate and key too; fmls certs issue DIR --name NODE makes them" });
    return undefined;
  }
  if (cert === undefined) throw new InputError('--tls-key needs --tls-cert', { fix: 'give the NODE.crt written next to NODE.key' });
  if (key === undefined) throw new InputError('--tls-cert needs --tls-key', { fix: 'give the NODE.key written next to NODE.crt' });
  return TlsCredentials.load({ cert, key, ca });
}

/**
 * A daemon's TLS identity. Plaintext is refused on a non-loopback `listen` unless --insecure
 * (then warned once): models, updates and node credentials would cross the network in clear.
 */
export function daemonTls(flags: DaemonTlsFlags, listen: HostPort | undefined, logger: Logger): TlsCredentials | undefined {
  const tls = parseTlsFlags(flags);
  if (tls && flags.insecure) throw new InputError('--insecure contradicts --tls-cert', { fix: 'drop --insecure to serve TLS, or drop the --tls-* flags' });
  if (tls) {
    logger.info({ tls: tls.mutual ? 'mutual' : 'server', subject: tls.subject, validTo: tls.validTo.toISOString() }, `using ${tls.describe()}`);
  } else if (listen && !isLoopback(listen.host)) {
    const where = formatHostPort(listen);
    if (!flags.insecure) {
      throw new InputError(`--listen ${where} is not a loopback address: serving on it needs TLS (--tls-cert/--tls-key) or an explicit --insecure`, {
        fix: 'make certificates with fmls certs init DIR and fmls certs issue DIR --name NODE',
      });
    }
    logger.warn({ listen: where }, `--insecure: serving without TLS on ${where}; models, updates and node credentials travel in plaintext`);
  }
  return tls;
}
