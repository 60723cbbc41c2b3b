/**
 * A self-signed TLS certificate for local HTTPS test servers (the Azure SDKs' bearer-token policy refuses plain
 * http): made with the `openssl` CLI in a temp dir, for 127.0.0.1 and localhost, valid two days. Trust it through
 * an https.Agent built with `ca: cert` (see `trustingAgent`), never through a process-wide TLS setting.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export interface SelfSignedCert {
  key: string;
  cert: string;
}

export async function selfSignedCert(): Promise<SelfSignedCert> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'self-signed-tls-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An https.Agent that trusts `cert` (and nothing else). */
export function trustingAgent(cert: string, options: https.AgentOptions = {}): https.Agent {
  return new https.Agent({ ca: cert, keepAlive: false, ...options });
}
