"""boto3 (Debian's python3-boto3) in the app container: credentials from the default chain, which ends at IMDS."""
import json
import sys

import boto3

endpoint, region = sys.argv[1], sys.argv[2]
session = boto3.Session(region_name=region)
credentials = session.get_credentials().get_frozen_credentials()
identity = session.client("sts", endpoint_url=endpoint).get_caller_identity()
print(json.dumps({
    "client": f"boto3 {boto3.__version__}",
    "method": session.get_credentials().method,
    "accessKeyId": credentials.access_key,
    "arn": identity["Arn"],
}))
