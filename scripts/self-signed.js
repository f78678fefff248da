// @ts-check
/**
 * A self-signed certificate for the infra node's secure WebSockets on
 * loopback, and the hash Chromium's --ignore-certificate-errors-spki-list
 * takes to trust it without installing a CA.
 */
import { X509Certificate, createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generate } from 'selfsigned'

/**
 * @param {string} dir where cert.pem and key.pem are written
 * @returns {Promise<{ certFile: string, keyFile: string, spki: string }>}
 */
export async function selfSignedCertificate (dir) {
  const pems = await generate([{ name: 'commonName', value: 'pollen-infra.localhost' }], {
    keySize: 2048,
    notAfterDate: new Date(Date.now() + 7 * 24 * 3600 * 1000),
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] }]
  })
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  await writeFile(certFile, pems.cert)
  await writeFile(keyFile, pems.private)
  const spkiDer = new X509Certificate(pems.cert).publicKey.export({ type: 'spki', format: 'der' })
  return { certFile, keyFile, spki: createHash('sha256').update(spkiDer).digest('base64') }
}
