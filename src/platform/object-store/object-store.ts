import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, link } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, CopyConditions } from 'minio';

export interface ObjectStoreOptions {
  /** http(s) URL of the S3 API, e.g. http://127.0.0.1:9000. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  /** Default: us-east-1. */
  region?: string;
  /**
   * Where the objects are files on this machine (the embedded store): the file holding an
   * object's bytes. Reads into a file then copy it instead of going through the S3 API.
   */
  objectFile?: (bucket: string, key: string) => string;
  /** Where the objects are files on this machine: a listing read from their folder instead of through the S3 API. */
  listObjectFiles?: (bucket: string, prefix: string) => AsyncIterable<ObjectInfo>;
}

export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
  contentType?: string;
}

/** ETags come quoted from some servers and bare from others; keys and lineage use them bare. */
export function normaliseEtag(etag: string): string {
  return etag.replace(/^"+|"+$/g, '');
}

/** Whether an object-store error says the key (or bucket) is not there: MinIO, S3 and s3rver say it two ways. */
export const isNotFound = (error: unknown): boolean => ['NotFound', 'NoSuchKey'].includes((error as { code?: string } | null)?.code ?? '');

/** Where objects are staged before they are published: never a key readers or event consumers want. */
export const STAGING_PREFIX = 'tmp/';

/** An object written under a temporary key, not yet at the key readers look at. */
export interface StagedObject {
  /** Copies the object to its key, then removes the temporary copy. */
  commit(): Promise<{ etag: string }>;
  /** Removes the temporary copy; safe to call again, and after commit. */
  discard(): Promise<void>;
}

/**
 * The project's one door to S3 (MinIO in production, s3rver embedded). Always sends sizes:
 * s3rver lacks ListMultipartUploads, which the minio client calls for unknown-size streams.
 */
export class ObjectStore {
  readonly bucket: string;
  readonly endpoint: string;
  private readonly client: Client;
  private readonly objectFile?: (bucket: string, key: string) => string;
  private readonly listObjectFiles?: (bucket: string, prefix: string) => AsyncIterable<ObjectInfo>;

  constructor(options: ObjectStoreOptions) {
    const url = new URL(options.endpoint);
    this.bucket = options.bucket;
    this.objectFile = options.objectFile;
    this.listObjectFiles = options.listObjectFiles;
    this.endpoint = options.endpoint;
    this.client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      useSSL: url.protocol === 'https:',
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: options.region ?? 'us-east-1',
      pathStyle: true,
    });
  }

  async ensureBucket(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) {
      await this.client.makeBucket(this.bucket);
    }
  }

  async putBuffer(key: string, body: Buffer, contentType = 'application/octet-stream'): Promise<{ etag: string }> {
    const result = await this.client.putObject(this.bucket, key, body, body.length, { 'Content-Type': contentType });
    return { etag: normaliseEtag(result.etag) };
  }

  async putJson(key: string, value: unknown): Promise<{ etag: string }> {
    return this.putBuffer(key, Buffer.from(JSON.stringify(value)), 'application/json');
  }

  async putFile(key: string, filePath: string, contentType = 'application/octet-stream'): Promise<{ etag: string }> {
    const result = await this.client.fPutObject(this.bucket, key, filePath, { 'Content-Type': contentType });
    return { etag: normaliseEtag(result.etag) };
  }

  /**
   * Writes under a temporary key, then copies to the published key, so a reader (or an S3
   * event consumer) never sees a half-written object at `key`.
   */
  async publishBuffer(key: string, body: Buffer, contentType?: string): Promise<{ etag: string }> {
    return (await this.stageBuffer(key, body, contentType)).commit();
  }

  async publishFile(key: string, filePath: string, contentType?: string): Promise<{ etag: string }> {
    return (await this.stageFile(key, filePath, contentType)).commit();
  }

  /** Writes an object under a temporary key: nothing is at `key` until it is committed. */
  async stageBuffer(key: string, body: Buffer, contentType?: string): Promise<StagedObject> {
    return this.stage(key, (staging) => this.putBuffer(staging, body, contentType));
  }

  async stageFile(key: string, filePath: string, contentType?: string): Promise<StagedObject> {
    return this.stage(key, (staging) => this.putFile(staging, filePath, contentType));
  }

  private async stage(key: string, write: (stagingKey: string) => Promise<unknown>): Promise<StagedObject> {
    const staging = `${STAGING_PREFIX}${randomUUID()}/${key.split('/').pop() ?? 'object'}`;
    await write(staging);
    let removed: Promise<void> | undefined;
    const discard = () => (removed ??= this.remove(staging));
    return {
      commit: async () => {
        try {
          return await this.copy(staging, key);
        } finally {
          await discard();
        }
      },
      discard,
    };
  }

  async copy(fromKey: string, toKey: string): Promise<{ etag: string }> {
    await this.client.copyObject(this.bucket, toKey, `/${this.bucket}/${fromKey}`, new CopyConditions());
    const info = await this.stat(toKey);
    if (!info) throw new Error(`copy of ${fromKey} to ${toKey} left no object`);
    return { etag: info.etag };
  }

  async getStream(key: string, range?: { offset: number; length?: number }): Promise<Readable> {
    if (range) return this.client.getPartialObject(this.bucket, key, range.offset, range.length);
    return this.client.getObject(this.bucket, key);
  }

  async getBuffer(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.getStream(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getJson(key: string): Promise<unknown> {
    return JSON.parse((await this.getBuffer(key)).toString('utf8'));
  }

  /**
   * Writes the object to a file in one GET (or a file copy, see objectFile); false when there is
   * no such object. `link`: where the object is a file on this machine, a second name for that
   * file instead of a copy (a copy across file systems), for a reader that checks the file's
   * size and time after reading, as a later write of the key changes the linked bytes too.
   */
  async getToFile(key: string, filePath: string, options: { link?: boolean } = {}): Promise<boolean> {
    if (this.objectFile) {
      const source = this.objectFile(this.bucket, key);
      try {
        if (options.link) {
          try {
            await link(source, filePath);
            return true;
          } catch (error) {
            if (!['EXDEV', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
          }
        }
        await copyFile(source, filePath);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    }
    let body: Readable;
    try {
      body = await this.getStream(key);
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    await pipeline(body, createWriteStream(filePath));
    return true;
  }

  async fGet(key: string, filePath: string): Promise<void> {
    await this.client.fGetObject(this.bucket, key, filePath);
  }

  /** Null when the object does not exist. */
  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const s = await this.client.statObject(this.bucket, key);
      const contentType = (s.metaData?.['content-type'] as string | undefined) ?? undefined;
      return { key, size: s.size, etag: normaliseEtag(s.etag), lastModified: s.lastModified, contentType };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  /**
   * Every object under `prefix`, page after page. Lists with version 1 markers: s3rver's version 2
   * listing answers 500 once a listing is truncated (over 1,000 keys), because it builds its
   * continuation token with DES, which Node's OpenSSL 3 no longer offers. Markers work on s3rver,
   * MinIO and S3 alike.
   */
  async *list(prefix: string): AsyncGenerator<ObjectInfo> {
    if (this.listObjectFiles) {
      yield* this.listObjectFiles(this.bucket, prefix);
      return;
    }
    const stream = this.client.listObjects(this.bucket, prefix, true);
    for await (const item of stream as AsyncIterable<{ name?: string; size: number; etag: string; lastModified: Date }>) {
      if (!item.name) continue;
      yield { key: item.name, size: item.size, etag: normaliseEtag(item.etag ?? ''), lastModified: item.lastModified };
    }
  }

  /** The folders right under `prefix`: each key's next path segment, with its trailing `/`. */
  async *listFolders(prefix: string): AsyncGenerator<string> {
    const stream = this.client.listObjects(this.bucket, prefix, false);
    for await (const item of stream as AsyncIterable<{ prefix?: string }>) {
      if (item.prefix) yield item.prefix;
    }
  }

  async remove(key: string): Promise<void> {
    await this.client.removeObject(this.bucket, key);
  }


  async presignedGetUrl(key: string, expirySeconds = 7 * 24 * 3600): Promise<string> {
    return this.client.presignedGetObject(this.bucket, key, expirySeconds);
  }
}
