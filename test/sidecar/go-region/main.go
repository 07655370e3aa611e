// Region discovery the aws-sdk-go v1 way: ec2metadata's Region() reads the instance identity document. The session
// honours AWS_EC2_METADATA_SERVICE_ENDPOINT and uses IMDSv2 (falling back to v1 where the token PUT is refused).
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go/aws/ec2metadata"
	"github.com/aws/aws-sdk-go/aws/session"
)

func main() {
	client := ec2metadata.New(session.Must(session.NewSession()))
	region, err := client.Region()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	doc, err := client.GetInstanceIdentityDocument()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, _ := json.Marshal(map[string]string{
		"region":      region,
		"accountId":   doc.AccountID,
		"instanceId":  doc.InstanceID,
		"pendingTime": doc.PendingTime.String(),
	})
	fmt.Println(string(out))
}
