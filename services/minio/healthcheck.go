// healthcheck: one HTTP probe of MinIO's liveness endpoint, for the container's HEALTHCHECK.
//
// The server image is FROM scratch (no shell, curl or wget), and `mc ready` retries forever
// instead of failing, so the image carries this small static probe (about 6 MB): exit 0 when
// GET http://127.0.0.1:${MINIO_PORT:-9000}/minio/health/live answers 200 within 3 s, else 1.
package main

import (
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	port := os.Getenv("MINIO_PORT")
	if port == "" {
		port = "9000"
	}
	client := http.Client{Timeout: 3 * time.Second}
	response, err := client.Get("http://127.0.0.1:" + port + "/minio/health/live")
	if err != nil {
		fmt.Fprintln(os.Stderr, "unhealthy:", err)
		os.Exit(1)
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "unhealthy: status", response.StatusCode)
		os.Exit(1)
	}
}
