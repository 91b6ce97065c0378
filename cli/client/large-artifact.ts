import { createHash, randomBytes } from 'node:crypto';

/**
 * The smoke command's optional large-artifact round trip (`--large-artifact-mb <n>`): n MiB go up
 * through the server's artifact proxy in one streamed PUT (generated 1 MiB at a time, never held in
 * memory), come back with a streamed GET, and must have the same SHA-256; then they are deleted.
 *
 * This is the single-request proxy route (PUT /api/2.0/mlflow-artifacts/artifacts/<path>,
 * mlflow/server/handlers.py _upload_artifact), the path every MLflow client takes on Azure and on AWS
 * without multipart. With `MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD=true` (AWS, from `npm run
 * client-config`) the Python client instead calls the server's create/complete-multipart routes and
 * PUTs each part straight to S3 through URLs the server signs: that path is not exercised here; it
 * is what a real client's `mlflow.log_artifact` of a large file checks.
 */

const MIB = 1024 * 1024;

/** Largest round trip accepted (the AWS task's ephemeral storage buffers the upload). */
export const LARGE_ARTIFACT_MAX_MB = 10_240;

export interface LargeArtifactRequest {
  readonly url: URL;
  readonly authorization: string;
  readonly megabytes: number;
  /** Time allowed for each of the upload, the download and the delete, in milliseconds. */
  readonly timeoutMs: number;
}

/** `--large-artifact-mb`: a whole number of MiB from 1 to LARGE_ARTIFACT_MAX_MB; undefined when not given. */
export function parseLargeArtifactMb(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > LARGE_ARTIFACT_MAX_MB) {
    throw new Error(`--large-artifact-mb ${JSON.stringify(value)}: expected a whole number of MiB from 1 to ${LARGE_ARTIFACT_MAX_MB}`);
  }
  return n;
}

/**
 * A stream of `megabytes` MiB of random ASCII (hex), hashed as it is generated: the digest is final
 * once the stream has been read to the end.
 */
export function generatedBody(megabytes: number): { stream: ReadableStream<Uint8Array>; sha256: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  let digest: string | undefined;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === megabytes) {
        digest = hash.digest('hex');
        controller.close();
        return;
      }
      const chunk = Buffer.from(randomBytes(MIB / 2).toString('hex'), 'ascii');
      hash.update(chunk);
      sent += 1;
      controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    },
  });
  return {
    stream,
    sha256: () => {
      if (digest === undefined) throw new Error('the upload body was not read to the end');
      return digest;
    },
  };
}

/** SHA-256 and size of a response body, read as a stream. */
export async function hashBody(body: ReadableStream<Uint8Array> | null): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  if (body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      bytes += value.byteLength;
    }
  }
  return { sha256: hash.digest('hex'), bytes };
}

export interface LargeArtifactResult {
  readonly status: number;
  readonly text?: string;
  readonly sha256?: string;
  readonly bytes?: number;
}

/** Streams the generated body up with one PUT; returns the status and the digest of what was sent. */
export async function uploadLarge(r: LargeArtifactRequest): Promise<{ status: number; text: string; sha256: string }> {
  const body = generatedBody(r.megabytes);
  const init: RequestInit & { duplex: 'half' } = {
    method: 'PUT',
    headers: { authorization: r.authorization, 'content-type': 'application/octet-stream' },
    body: body.stream,
    duplex: 'half',
    redirect: 'manual',
    signal: AbortSignal.timeout(r.timeoutMs),
  };
  const response = await fetch(r.url, init);
  const text = await response.text();
  return { status: response.status, text, sha256: body.sha256() };
}

/** Streams the artifact down; returns the status and, on 200, the digest and size of what came back. */
export async function downloadLarge(r: LargeArtifactRequest): Promise<LargeArtifactResult> {
  const response = await fetch(r.url, { headers: { authorization: r.authorization }, redirect: 'manual', signal: AbortSignal.timeout(r.timeoutMs) });
  if (response.status !== 200) return { status: response.status, text: await response.text() };
  return { status: 200, ...(await hashBody(response.body)) };
}
