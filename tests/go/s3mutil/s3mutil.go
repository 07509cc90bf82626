// Package s3mutil stands in for the helper OLCF's Go examples take `conn` from (OLCF's s3mutil is not
// public): a plaintext connection to an S3M gateway whose every call carries the token
// ("authorization") and the resource ("olcf-resource") as metadata, as S3M requires.
//
// It also records each call's method and reply, so that the test program can print what every
// documented example got, even the ones that discard the reply (`_, err := client.DeleteJob(...)`).
package s3mutil

import (
	"context"
	"sort"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// CallTimeout bounds each call: the documented examples use context.Background(), without a deadline,
// and a test must not hang on a server that never answers.
const CallTimeout = 10 * time.Second

// Call is what the last call was and what it got.
type Call struct {
	Method   string
	Metadata []string // the metadata keys sent, sorted (not their values: one is the token)
	Reply    interface{}
}

// Last is the most recent call made through a connection from NewS3MConn.
var Last Call

// NewS3MConn dials target ("127.0.0.1:PORT") without TLS; every unary call through the connection
// carries the token and the resource.
func NewS3MConn(target, token, resource string) (*grpc.ClientConn, error) {
	interceptor := func(ctx context.Context, method string, req, reply interface{}, cc *grpc.ClientConn,
		invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", token, "olcf-resource", resource)
		ctx, cancel := context.WithTimeout(ctx, CallTimeout)
		defer cancel()
		sent, _ := metadata.FromOutgoingContext(ctx)
		keys := make([]string, 0, len(sent))
		for key := range sent {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		Last = Call{Method: method, Metadata: keys}
		err := invoker(ctx, method, req, reply, cc, opts...)
		if err == nil {
			Last.Reply = reply
		}
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
	defer cancel()
	return grpc.DialContext(ctx, target, grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithUnaryInterceptor(interceptor))
}
