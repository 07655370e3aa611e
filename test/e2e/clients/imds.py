"""Reads the role credentials straight from IMDS (v2 token flow) at the given base URL, as an SDK would."""
import json
import sys
import urllib.request

base = sys.argv[1]
token_request = urllib.request.Request(
    f"{base}/latest/api/token", method="PUT", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}
)
token = urllib.request.urlopen(token_request, timeout=5).read().decode()
headers = {"X-aws-ec2-metadata-token": token}


def get(path):
    return urllib.request.urlopen(urllib.request.Request(f"{base}{path}", headers=headers), timeout=5).read().decode()


role = get("/latest/meta-data/iam/security-credentials/").strip()
document = json.loads(get(f"/latest/meta-data/iam/security-credentials/{role}"))
print(json.dumps({"client": f"IMDSv2 {base}", "role": role, "accessKeyId": document["AccessKeyId"]}))
