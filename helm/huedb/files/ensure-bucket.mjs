/* global AbortSignal, URL, console, fetch, process, setTimeout */
// Bundled mode: makes the MinIO bucket (PUT Bucket, signed with AWS SigV4 by hand: the image has
// no S3 CLI) before a role that uses S3 starts. Idempotent (409 BucketAlreadyOwnedByYou is fine);
// retries until MinIO answers, since it may still be starting.
import { createHash, createHmac } from 'node:crypto';

const endpoint = new URL(process.env.HUEDB_S3_ENDPOINT);
const bucket = process.env.HUEDB_S3_BUCKET;
const region = process.env.HUEDB_S3_REGION;
const keyId = process.env.HUEDB_S3_ACCESS_KEY_ID;
const secret = process.env.HUEDB_S3_SECRET_ACCESS_KEY;
const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

function signedHeaders(method, path) {
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const payload = sha256('');
  const canonical = [
    method,
    path,
    '',
    `host:${endpoint.host}`,
    `x-amz-content-sha256:${payload}`,
    `x-amz-date:${amzDate}`,
    '',
    'host;x-amz-content-sha256;x-amz-date',
    payload,
  ].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${secret}`, day);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    'x-amz-content-sha256': payload,
    'x-amz-date': amzDate,
    authorization: `AWS4-HMAC-SHA256 Credential=${keyId}/${scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${signature}`,
  };
}

for (let attempt = 1; ; attempt++) {
  try {
    const path = `/${bucket}`;
    const res = await fetch(new URL(path, endpoint), {
      method: 'PUT',
      headers: signedHeaders('PUT', path),
      signal: AbortSignal.timeout(5000),
    });
    const body = await res.text();
    if (res.status === 200 || (res.status === 409 && body.includes('BucketAlreadyOwnedByYou'))) {
      console.log(JSON.stringify({ msg: `bucket ${bucket} ready`, status: res.status }));
      break;
    }
    console.log(
      JSON.stringify({
        msg: `PUT bucket answered ${res.status}`,
        body: body.slice(0, 300),
        attempt,
      }),
    );
  } catch (err) {
    console.log(
      JSON.stringify({
        msg: `MinIO not reachable yet: ${err.cause?.code ?? err.message}`,
        attempt,
      }),
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
}
