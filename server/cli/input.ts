/**
 * Where the commands' answers come from. On a terminal: prompts, with what is typed for a
 * password never echoed (the terminal is in raw mode and readline's echo goes to a muted
 * stream). Otherwise (a pipe, a script): one line of stdin per question, in order, no prompts.
 */
import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import { CommandError } from './errors.js';

export interface Input {
  readonly interactive: boolean;
  /** One answer; `hidden` answers are not echoed on a terminal. */
  ask(question: string, options?: { hidden?: boolean }): Promise<string>;
  close(): void;
}

/** Passes writes through to the terminal, except while muted. */
class MutableOutput extends Writable {
  muted = false;
  constructor(private readonly target: NodeJS.WritableStream) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void) {
    if (!this.muted) this.target.write(chunk);
    callback();
  }
}

/** The process's streams, or a test's (a stream with `isTTY: true` stands in for a terminal). */
export function openInput(
  stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
  stdout: NodeJS.WritableStream = process.stdout,
): Input {
  const interactive = !!stdin.isTTY;
  let readline: Interface | undefined;
  let lines: AsyncIterator<string> | undefined;
  const output = interactive ? new MutableOutput(stdout) : undefined;

  // Opened on first use: a command that needs no answer never touches stdin.
  const open = () => {
    if (!readline) {
      readline = createInterface({ input: stdin, output, terminal: interactive, prompt: '' });
      // Ctrl+C at a prompt: the terminal is in raw mode, so readline reports it instead of a signal.
      readline.on('SIGINT', () => {
        stdout.write('\n');
        readline?.close();
        process.exit(130);
      });
      lines = readline[Symbol.asyncIterator]();
    }
    return { readline, lines: lines! };
  };

  return {
    interactive,
    async ask(question, options = {}) {
      const { readline, lines } = open();
      if (output) {
        output.muted = false;
        readline.setPrompt(question);
        readline.prompt();
        output.muted = !!options.hidden;
      }
      const next = await lines.next();
      if (output?.muted) {
        output.muted = false;
        stdout.write('\n');
      }
      if (next.done) {
        throw new CommandError(
          `Input ended before ${question.replace(/[:\s]+$/, '').toLowerCase()} was given.`,
        );
      }
      return next.value;
    },
    close() {
      readline?.close();
    },
  };
}
