// When ferry must re-launch itself (Node 22.13–22.17 strip TypeScript only with a flag), the
// process an operator or a supervisor knows is the wrapper, and the run is its child. The pair
// must behave as one process:
//  - SIGINT, SIGTERM and SIGHUP sent to the wrapper are forwarded to the run, once: the child
//    is in a process group of its own, so a terminal's Ctrl-C (sent to the foreground group)
//    reaches it only through the wrapper, never twice — a second SIGINT would cancel the steps
//    in flight instead of letting them finish.
//  - The wrapper exits as the run did: with its exit code, or by the same signal.
//  - SIGKILL cannot be caught or forwarded. The run watches an IPC channel to the wrapper instead:
//    when the wrapper dies, the channel closes and the run SIGKILLs itself, as if it had been
//    killed — which is what `kill -9` of ferry's pid means. The ledger is written step by step, so
//    the next run continues from there, as after any kill.
import { spawn } from 'node:child_process';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** In the wrapper: run `node <args>` as the child and mirror it. */
export function runWrapped(args) {
  const child = spawn(process.execPath, args, {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached: true, // its own process group: see above
    env: { ...process.env, FERRY_WRAPPED: '1' },
  });
  const forward = (signal) => child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  child.on('exit', (code, signal) => {
    for (const name of FORWARDED) process.off(name, forward);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

/** In the child: die with the wrapper, whichever way it ends. */
export function dieWithWrapper() {
  if (!process.channel) return;
  process.channel.unref(); // the channel alone must not keep the run alive
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}
