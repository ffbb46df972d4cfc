/** A PEM key and certificate pair. */
export interface TlsMaterial {
  key: string;
  cert: string;
}

let cached: Promise<TlsMaterial> | undefined;

/**
 * A self-signed certificate for 127.0.0.0/8, generated once per process with the `selfsigned`
 * package (node:crypto cannot build X.509 certificates) and shared by every simulated phone.
 * `selfsigned` (with @peculiar/x509, pkijs, reflect-metadata) is loaded here, at the first
 * https phone, not when the simulator is imported.
 */
export function selfSignedCertificate(): Promise<TlsMaterial> {
  cached ??= generateCertificate();
  return cached;
}

async function generateCertificate(): Promise<TlsMaterial> {
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'snom-simulator.invalid' }], {
    keySize: 2048,
    notAfterDate: new Date(Date.now() + 30 * 24 * 3600 * 1000),
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
