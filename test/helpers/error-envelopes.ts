/**
 * Records every REST error body the suites provoke, so one test can check them all against
 * the envelope schema the OpenAPI document publishes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RecordedError {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

export const recordedErrors: RecordedError[] = [];

type Handler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export function recordErrorResponses(handler: Handler): Handler {
  return (request, response) => {
    if (request.url?.startsWith('/api/')) {
      const chunks: Buffer[] = [];
      // Headers handed straight to writeHead (the query lane's) never enter getHeaders().
      const passedToWriteHead: Record<string, unknown> = {};
      const writeHead = response.writeHead.bind(response);
      response.writeHead = ((status: number, ...rest: any[]) => {
        const headers = rest.find((argument) => typeof argument === 'object' && argument);
        if (Array.isArray(headers)) {
          for (let index = 0; index < headers.length; index += 2) {
            passedToWriteHead[String(headers[index]).toLowerCase()] = headers[index + 1];
          }
        } else if (headers) {
          for (const [name, value] of Object.entries(headers)) {
            passedToWriteHead[name.toLowerCase()] = value;
          }
        }
        return writeHead(status, ...rest);
      }) as typeof response.writeHead;
      const write = response.write.bind(response);
      const end = response.end.bind(response);
      response.write = ((chunk: any, ...rest: any[]) => {
        if (chunk) chunks.push(Buffer.from(chunk));
        return write(chunk, ...rest);
      }) as typeof response.write;
      response.end = ((chunk?: any, ...rest: any[]) => {
        if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk));
        if (response.statusCode >= 400) {
          recordedErrors.push({
            method: request.method ?? '',
            path: request.url ?? '',
            status: response.statusCode,
            headers: {
              ...response.getHeaders(),
              ...passedToWriteHead,
            } as RecordedError['headers'],
            body: Buffer.concat(chunks).toString('utf8'),
          });
        }
        return end(chunk, ...rest);
      }) as typeof response.end;
    }
    return handler(request, response);
  };
}
