import { Command } from 'commander';

export function sidecarCommand(): Command {
  return new Command('sidecar')
    .description('Serve IMDS credentials for one pod from STS AssumeRoleWithWebIdentity.')
    .action(() => {
      throw new Error('sidecar is not built yet');
    });
}
