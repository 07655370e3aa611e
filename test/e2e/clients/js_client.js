// AWS SDK for JavaScript v3 in the app container (Node 22 from the image, the project's @aws-sdk packages mounted
// read-only): credentials from the default Node chain, which ends at IMDS; then a signed STS call.
const { GetCallerIdentityCommand, STSClient } = require('@aws-sdk/client-sts');

const [endpoint, region] = process.argv.slice(2);
const client = new STSClient({ endpoint, region });
Promise.all([client.config.credentials(), client.send(new GetCallerIdentityCommand({}))]).then(
  ([credentials, identity]) => {
    process.stdout.write(
      `${JSON.stringify({ client: 'js-v3', accessKeyId: credentials.accessKeyId, arn: identity.Arn })}\n`,
    );
  },
  (err) => {
    process.stderr.write(`${err.name}: ${err.message}\n`);
    process.exit(1);
  },
);
