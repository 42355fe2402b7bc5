import type { RequestEnd } from '../pipeline/request-log.js';

/**
 * For runtimes without a Node response to watch: returns `response` with its body wrapped
 * so that `onDone` is called once the body was fully read (with the bytes counted) or
 * cancelled by the client (aborted). A response without a body ends at once.
 */
export function trackWebResponse(
  response: Response,
  onDone: (end: RequestEnd) => void,
  countBody = true,
): Response {
  const { status } = response;
  if (response.body === null || !countBody) {
    onDone({ status, bytesOut: 0 });
    return response;
  }
  const reader = response.body.getReader();
  let bytesOut = 0;
  let done = false;
  const finish = (aborted: boolean) => {
    if (done) return;
    done = true;
    onDone(aborted ? { status, bytesOut, aborted } : { status, bytesOut });
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk.done) {
          controller.close();
          finish(false);
          return;
        }
        bytesOut += chunk.value.byteLength;
        controller.enqueue(chunk.value);
      } catch (error) {
        controller.error(error);
        finish(true);
      }
    },
    cancel(reason) {
      finish(true);
      return reader.cancel(reason);
    },
  });
  return new Response(body, response);
}
