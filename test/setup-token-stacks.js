// jest setup (jest.config.js setupFiles): the same saving as cli/register.js for the synth command.
// cdktf 0.21 captures a full stack trace into a plain object for every token it creates and formats
// it at once (lib/tokens/private/stack-trace.js); jest's source-map support makes each one costly.
// Those traces only appear in cdktf's message about an unresolvable token: here they are empty.
// Real errors (failed assertions included) keep jest's format. MLFLOW_PLATFORM_TOKEN_STACKS=1 keeps them.
'use strict';
if (!process.env.MLFLOW_PLATFORM_TOKEN_STACKS) {
  const format = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) => {
    if (!(error instanceof Error)) return '';
    return format ? format(error, frames) : `${error}${frames.map((frame) => `\n    at ${frame}`).join('')}`;
  };
}
