import { Command } from 'commander';

export function initCommand(): Command {
  return new Command('init')
    .description('Redirect 169.254.169.254:80 and [fd00:ec2::254]:80 to the sidecar (init container).')
    .action(() => {
      throw new Error('init is not built yet');
    });
}
