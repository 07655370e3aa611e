import { Command } from 'commander';

export function webhookCommand(): Command {
  return new Command('webhook')
    .description('Run the admission webhook that injects the emulator into opted-in pods.')
    .action(() => {
      throw new Error('webhook is not built yet');
    });
}
