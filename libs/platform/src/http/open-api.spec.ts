import type { OpenAPIObject } from '@nestjs/swagger';
import { listeningUrl, withServer } from './open-api';

const document: OpenAPIObject = {
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths: {},
  servers: [],
};

describe('listeningUrl', () => {
  it('names the address and port the server listens on', () => {
    expect(listeningUrl({ address: '127.0.0.1', family: 'IPv4', port: 3000 })).toBe(
      'http://127.0.0.1:3000',
    );
    expect(listeningUrl({ address: '10.0.0.7', family: 'IPv4', port: 80 })).toBe(
      'http://10.0.0.7:80',
    );
  });

  it('brackets an IPv6 address', () => {
    expect(listeningUrl({ address: '::1', family: 'IPv6', port: 3001 })).toBe('http://[::1]:3001');
  });

  it('names the loopback address instead of a wildcard, which no client connects to', () => {
    expect(listeningUrl({ address: '0.0.0.0', family: 'IPv4', port: 3002 })).toBe(
      'http://127.0.0.1:3002',
    );
    expect(listeningUrl({ address: '::', family: 'IPv6', port: 3002 })).toBe('http://[::1]:3002');
  });

  it('has no URL for a server that does not listen or listens on a pipe', () => {
    expect(listeningUrl(null)).toBeUndefined();
    expect(listeningUrl('/tmp/cx.sock')).toBeUndefined();
  });
});

describe('withServer', () => {
  it('names the URL as the only server, without a trailing slash', () => {
    expect(withServer(document, 'https://api.example.com/ingestion/').servers).toEqual([
      { url: 'https://api.example.com/ingestion' },
    ]);
  });

  it('leaves the document as it is without a URL, and never changes the one given', () => {
    expect(withServer(document, undefined)).toBe(document);
    withServer(document, 'http://127.0.0.1:3000');
    expect(document.servers).toEqual([]);
  });
});
