// Command kube-apiserver wraps the Kubernetes API server so that the test suite can build it from
// the Go module proxy (see ../kube-apiserver.sh): `go install` of k8s.io/kubernetes is refused
// because of its replace lines, a module of our own with the same replaces is not.
package main

import (
	"os"
	_ "time/tzdata" // CronJob timeZone validation needs the zone database

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
